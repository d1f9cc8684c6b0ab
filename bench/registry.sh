#!/usr/bin/env bash
# bench/registry.sh: the model registry at scale — `mlv resolve`, `mlv
# promote` and `mlv history --at` on a store holding 10,000 model versions
# and 100,000 events, generated here through libmlv by gen-registry.c. See
# bench/README.md for what each line means.
#
# Environment (besides lib.sh's BENCH_DIR, BENCH_RUNS, BENCH_BUILD, MLV,
# BENCH_TSV, BENCH_LOAD_MAX, BENCH_LOAD_WAIT, BENCH_LOAD_POLL):
#   BENCH_REG_MODELS    models (default 1000)
#   BENCH_REG_VERSIONS  versions of each model (default 10: 10,000 in all)
#   BENCH_REG_EVENTS    events of each model, its registers included
#                       (default 100: 100,000 in all)
#   BENCH_FAST_RUNS     runs of each timed command (default 50)
#   BENCH_SEED          seed (default 1)
#   BENCH_REG_REUSE     1: with a given BENCH_DIR, measure again on the registry
#                       an earlier run generated there (its promotes add events)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MODELS=${BENCH_REG_MODELS:-1000}
VERSIONS=${BENCH_REG_VERSIONS:-10}
EVENTS=${BENCH_REG_EVENTS:-100}
FAST_RUNS=${BENCH_FAST_RUNS:-50}
[ "$FAST_RUNS" -ge 5 ] 2>/dev/null || FAST_RUNS=5
SEED=${BENCH_SEED:-1}

need_tools hyperfine:hyperfine jq:jq pkg-config:pkg-config
bench_setup 2
BENCH_BUILD=${BENCH_BUILD:-$BENCH_ROOT/build-bench}
build_mlv
D=$BENCH_DIR
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export MLV

fmt_ms() { awk "BEGIN { printf \"%.2f\", 1000 * $1 }"; }

# The generator links the static libmlv that build_mlv made (or, with
# MLV=..., the one in BENCH_BUILD, which must exist).
LIBMLV="$BENCH_BUILD/libmlv.a"
[ -f "$LIBMLV" ] || die "no $LIBMLV: build mlv there (unset MLV) so the generator can link libmlv"
# shellcheck disable=SC2046
${CC:-cc} -O2 -I "$BENCH_ROOT/include" -o "$D/tools/gen-registry" "$BENCH_SRC/gen-registry.c" "$LIBMLV" \
	$(pkg-config --libs lmdb libzstd libcjson libcrypto) -lpthread -ldl -lm ||
	die "cannot build gen-registry"

machine_info
wait_quiet start
L0=$LOAD_LINE

# ---- 1. the registry ----
R="$D/reg"
if [ "${BENCH_REG_REUSE:-0}" = 1 ] && [ -f "$R/generated" ]; then
	say "bench: [1/4] reusing the registry in $R"
	read -r g_models g_versions g_events g_secs <"$R/generated"
else
	rm -rf "$R"
	mkdir -p "$R"
	(cd "$R" && "$MLV" init >/dev/null) || die "mlv init failed"
	say "bench: [1/4] generating $MODELS models x $VERSIONS versions, $EVENTS events each"
	"$D/tools/gen-registry" "$R/.mlv" "$MODELS" "$VERSIONS" "$EVENTS" "$SEED" >"$R/generated.tmp" ||
		die "gen-registry failed"
	mv "$R/generated.tmp" "$R/generated"
	read -r g_models g_versions g_events g_secs <"$R/generated"
fi
info registry_size "$g_models models, $g_versions versions, $g_events events, generated in ${g_secs}s; store $(size_of "$R/.mlv") bytes"

# The model in the middle of the name order: no edge of the index favours it.
M=$(printf 'm%05d' $((MODELS / 2)))
cnt=$(cd "$R" && "$MLV" history --json "$M" | jq '.events | length')
[ "$cnt" -ge "$EVENTS" ] || die "$M has $cnt events, expected at least $EVENTS"
# A time in the middle of its history: --at must search, not take the end.
T=$(cd "$R" && "$MLV" history --json "$M" | jq -r ".events[$((EVENTS / 2))].time")
(cd "$R" && "$MLV" resolve "$M@production" >/dev/null) || die "no production version of $M"

# ---- 2. resolve ----
wait_quiet "[2/4] resolve"
L1=$LOAD_LINE
say "bench: [2/4] mlv resolve $M@production ($FAST_RUNS runs) — $L1"
read -r res res_lo res_hi <<<"$(hyperfine_s "$R" "$FAST_RUNS" "$D/log/hf-resolve" "$MLV" resolve "$M@production")"
read -r floor _ _ <<<"$(hyperfine_s "$R" "$FAST_RUNS" "$D/log/hf-version" "$MLV" version)"
info startup_floor "mlv version: median $(fmt_ms "$floor")ms (process start, no store): the part of every figure below that is not registry work"
result resolve_production "$(fmt_ms "$res")" ms "min-max=$(fmt_ms "$res_lo")-$(fmt_ms "$res_hi")ms (ratio = median ms)" \
	"$(fmt_ms "$res")" "<=" 2

# ---- 3. promote ----
# Each promote must move the alias (a promote to the holder records
# nothing), so the timed command alternates two versions on its own alias.
wait_quiet "[3/4] promote"
L2=$LOAD_LINE
say "bench: [3/4] mlv promote $M@1|2 bench ($FAST_RUNS runs, each with every sync) — $L2"
: >"$D/log/promote.times"
for i in $(seq 1 "$FAST_RUNS"); do
	(cd "$R" && timeit "$D/log/promote" "$MLV" promote -m bench "$M@$((i % 2 + 1))" bench) >>"$D/log/promote.times" ||
		die "mlv promote failed"
done
pro=$(median <"$D/log/promote.times")
result promote "$(fmt_ms "$pro")" ms "min-max=$(spread <"$D/log/promote.times")s (ratio = median ms)" "$(fmt_ms "$pro")" "<=" 10
: >"$D/log/promote-gate.times"
for i in $(seq 1 "$FAST_RUNS"); do
	(cd "$R" && timeit "$D/log/promote-gate" "$MLV" promote --gate 'metrics.auc >= 0' "$M@$((i % 2 + 1))" bench2) \
		>>"$D/log/promote-gate.times" || die "mlv promote --gate failed"
done
pg=$(median <"$D/log/promote-gate.times")
info promote_with_gate "median $(fmt_ms "$pg")ms with one gate (min-max $(spread <"$D/log/promote-gate.times")s)"

# ---- 4. history --at ----
wait_quiet "[4/4] history --at"
L3=$LOAD_LINE
say "bench: [4/4] mlv history $M --at $T ($FAST_RUNS runs) — $L3"
read -r hat hat_lo hat_hi <<<"$(hyperfine_s "$R" "$FAST_RUNS" "$D/log/hf-history-at" "$MLV" history "$M" --at "$T")"
result history_at "$(fmt_ms "$hat")" ms "min-max=$(fmt_ms "$hat_lo")-$(fmt_ms "$hat_hi")ms (ratio = median ms)" \
	"$(fmt_ms "$hat")" "<=" 20
read -r hall _ _ <<<"$(hyperfine_s "$R" "$FAST_RUNS" "$D/log/hf-history" "$MLV" history "$M")"
info history_full "median $(fmt_ms "$hall")ms for all $((cnt + 2 * FAST_RUNS)) events of $M"
info peer_gto "GTO (git tags) is not installed here; issue 5 quotes 6-12 s per command at 1,500 tags, for context only"
info machine_load "$L0; $L1; $L2; $L3; at the end load1=$(load1)"
print_tsv
