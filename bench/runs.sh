#!/usr/bin/env bash
# bench/runs.sh: experiment tracking — `mlv log-metric` in a shell loop,
# `mlv runs` and `mlv show` over 10k/30k/100k recorded runs, and the cost of
# `mlv run` itself — against the floor of the same shell loop or command with
# /bin/true, all measured in this run. See bench/README.md for each line.
#
# Environment (besides lib.sh's BENCH_DIR, BENCH_RUNS, BENCH_BUILD, MLV,
# BENCH_TSV, BENCH_LOAD_MAX, BENCH_LOAD_WAIT, BENCH_LOAD_POLL):
#   BENCH_LM_CALLS    log-metric calls per loop (default 10000)
#   BENCH_FAST_RUNS   hyperfine runs for runs, show and run (default 30)
#   BENCH_RUN_SIZES   recorded runs at each step (default "10000 30000 100000")
#   BENCH_SEED        seed of the generated runs (default 1)
#   BENCH_PYTHON      the python3 interpreter `mlv run` finds on PATH for the
#                     run overhead (default: python3's sys.executable)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

LM_CALLS=${BENCH_LM_CALLS:-10000}
FAST_RUNS=${BENCH_FAST_RUNS:-30}
[ "$FAST_RUNS" -ge 5 ] 2>/dev/null || FAST_RUNS=5
SIZES=${BENCH_RUN_SIZES:-10000 30000 100000}
SEED=${BENCH_SEED:-1}

need_tools git:git hyperfine:hyperfine jq:jq /usr/bin/time:time valgrind:valgrind
bench_setup 2
build_mlv
D=$BENCH_DIR
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

# The run generator (bench/gen-runs.c) is linked against libmlv: built by
# CMake (target gen-runs) in the build directory of mlv, or of BENCH_BUILD
# when MLV was given.
B=${BENCH_BUILD:-$BENCH_ROOT/build-bench}
if [ ! -f "$B/CMakeCache.txt" ]; then
	cmake -S "$BENCH_ROOT" -B "$B" >>"$D/log/cmake.log" 2>&1 || die "cmake failed (see $D/log/cmake.log)"
fi
cmake --build "$B" --target gen-runs -j 2 >>"$D/log/cmake.log" 2>&1 || die "cannot build gen-runs (see $D/log/cmake.log)"
GENRUNS="$B/gen-runs"

ms() { awk "BEGIN { printf \"%.2f\", $1 * 1000 }"; }
# hf_cpu LOG: mean user+sys CPU ms of the command hyperfine_s timed into LOG ("?" if unknown)
hf_cpu() { jq -r '.results[0] | (.user + .system) * 1000 | . * 100 | round / 100' "$1.json" 2>/dev/null || echo "?"; }

wait_quiet start
LOADS=$LOAD_LINE
T0=$(date +%s)
echo "# mlv experiment-tracking benchmark — $(date -u +%Y-%m-%dT%H:%MZ)"
machine_info
echo "versions: $("$MLV" --version 2>&1 | head -n 1); $(bash --version | head -n 1); $(hyperfine --version)"
echo "runs: $BENCH_RUNS loops of $LM_CALLS calls (mlv and /bin/true alternating);" \
	"hyperfine -N --warmup 3 --runs $FAST_RUNS for runs, show and run; max RSS by /usr/bin/time -f %M (median of 5)"
echo "load before start: $LOADS"
echo

# ---- [1/3] log-metric in a shell loop ----
# One `mlv run` per round; inside it bash times LM_CALLS calls of
# `mlv log-metric loss=<i> --step <i>` and the same loop with /bin/true
# (same arguments), in alternating order. The record must hold every point.
wait_quiet "[1/3] log-metric"
L1=$LOAD_LINE
mkdir -p "$D/lm" && cd "$D/lm" && git init -q && "$MLV" init -q && git commit -q --allow-empty -m init
cat >"$D/lm/loop.sh" <<'EOF'
# loop.sh WHAT N: time N calls in a bash loop; prints seconds
what=$1 n=$2
if [ "$what" = mlv ]; then cmd=$MLV; set -- log-metric; else cmd=/bin/true; set -- log-metric; fi
t0=$EPOCHREALTIME
for ((i = 0; i < n; i++)); do "$cmd" "$@" "loss=$i" --step "$i"; done
t1=$EPOCHREALTIME
echo "${t1/./} ${t0/./}" | awk '{ printf "%.6f\n", ($1 - $2) / 1e6 }'
EOF
: >"$D/t.mlv" && : >"$D/t.floor" && : >"$D/c.mlv" && : >"$D/c.floor"
for ((r = 0; r < BENCH_RUNS; r++)); do
	if [ $((r % 2)) = 0 ]; then order="mlv floor"; else order="floor mlv"; fi
	MLV_RUN_NO_PYTHON=1 MLV="$MLV" "$MLV" run -n "loop-$r" -- bash -c '
		for w in '"$order"'; do
			# wall seconds from the loop, CPU seconds (user + sys of bash and the calls) from time
			/usr/bin/time -f "%U %S" -o "$2/cpu" bash "$0" $w "$1" >>"$2/t.$w"
			awk "{ print \$1 + \$2 }" "$2/cpu" >>"$2/c.$w"
		done' "$D/lm/loop.sh" "$LM_CALLS" "$D" >"$D/log/lm.$r" 2>&1 || die "log-metric loop failed (see $D/log/lm.$r)"
	n=$("$MLV" show --json "loop-$r" | jq '.run.metrics.loss.history | length')
	[ "$n" = "$LM_CALLS" ] || die "run loop-$r recorded $n points, not $LM_CALLS"
	say "  round $((r + 1)) mlv $(tail -n 1 "$D/t.mlv")s floor $(tail -n 1 "$D/t.floor")s"
done
lm=$(median <"$D/t.mlv") floor=$(median <"$D/t.floor")
lm_cpu=$(median <"$D/c.mlv") floor_cpu=$(median <"$D/c.floor")
lm_rate=$(awk "BEGIN { printf \"%.0f\", $LM_CALLS / $lm }")
floor_rate=$(awk "BEGIN { printf \"%.0f\", $LM_CALLS / $floor }")
result logmetric_10k_loop "$lm_rate" " calls/s" \
	"floor(/bin/true)=${floor_rate} calls/s; per call mlv=$(awk "BEGIN { printf \"%.3f\", $lm * 1000 / $LM_CALLS }")ms floor=$(awk "BEGIN { printf \"%.3f\", $floor * 1000 / $LM_CALLS }")ms; all $LM_CALLS points recorded" \
	"$lm_rate" ">=" 1000
info logmetric_spread "min-max seconds per $LM_CALLS calls: mlv=$(spread <"$D/t.mlv") floor=$(spread <"$D/t.floor"); mlv/floor=$(awk "BEGIN { printf \"%.2f\", $lm / $floor }")"
info logmetric_cpu "CPU (user+sys of the loop, medians) per call: mlv=$(awk "BEGIN { printf \"%.3f\", $lm_cpu * 1000 / $LM_CALLS }")ms floor=$(awk "BEGIN { printf \"%.3f\", $floor_cpu * 1000 / $LM_CALLS }")ms; mlv/floor=$(awk "BEGIN { printf \"%.2f\", $lm_cpu / $floor_cpu }") (wall time on a busy machine is mostly waiting for a CPU)"

# ---- [2/3] runs and show over 10k, 30k, 100k runs ----
wait_quiet "[2/3] runs"
L2=$LOAD_LINE
S="$D/runs"
mkdir -p "$S" && cd "$S" && "$MLV" init -q
FILTER='metrics.auc > 0.9'
rss() { # rss CMD...: median max RSS in KB of 5 runs
	local i
	for i in 1 2 3 4 5; do /usr/bin/time -f %M -o "$D/rss" "$@" >/dev/null 2>&1 && cat "$D/rss"; done | median
}
# heap CMD...: the peak of memory allocated (malloc), in KB, by valgrind's
# massif: what mlv itself holds, without the index's pages that max RSS also
# counts (the map of the index file is shared page cache, and the kernel maps
# up to 64 KiB around each page touched, so a deeper B-tree shows in max RSS)
heap() {
	valgrind --tool=massif --massif-out-file="$D/massif.out" "$@" >/dev/null 2>"$D/massif.err" || { echo nan; return; }
	awk -F= '/^mem_heap_B=/ { h = $2 } /^mem_heap_extra_B=/ { if (h + $2 > m) m = h + $2 } END { printf "%.0f\n", m / 1024 }' "$D/massif.out"
}
have=0
for n in $SIZES; do
	t=$(date +%s.%N)
	"$GENRUNS" "$S/.mlv" $((n - have)) "$SEED" "$have" || die "gen-runs failed"
	gen_s=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t }")
	have=$n
	k=$((n / 1000))k
	count=$("$MLV" runs --json | jq '.runs | length')
	[ "$count" = "$n" ] || die "the store holds $count runs, not $n"
	# the answer: the top 10 by a full sort of every matching run (jq) must be mlv's
	want=$("$MLV" runs --json --filter "$FILTER" | jq -r '[.runs[] | [.metrics.auc, .start_ms, .id]] | sort_by(-.[0], -.[1]) | .[:10] | map(.[2]) | join(" ")')
	got=$("$MLV" runs --json --filter "$FILTER" --sort -metrics.auc -n 10 | jq -r '[.runs[].id] | join(" ")')
	[ "$want" = "$got" ] || die "runs --sort -n 10 differs from a full sort at $k runs"
	read -r r_med r_min r_max <<<"$(hyperfine_s "$S" "$FAST_RUNS" "$D/log/runs.$k" \
		"$MLV" runs --filter "$FILTER" --sort -metrics.auc -n 10)"
	r_rss=$(rss "$MLV" runs --filter "$FILTER" --sort -metrics.auc -n 10)
	r_heap=$(heap "$MLV" runs --filter "$FILTER" --sort -metrics.auc -n 10)
	r_cpu=$(hf_cpu "$D/log/runs.$k")
	id=$("$MLV" runs --json -n 1 --sort start | jq -r '.runs[0].id')
	read -r s_med s_min s_max <<<"$(hyperfine_s "$S" "$FAST_RUNS" "$D/log/show.$k" "$MLV" show "${id:0:8}")"
	s_rss=$(rss "$MLV" show "${id:0:8}")
	read -r sn_med _ _ <<<"$(hyperfine_s "$S" 10 "$D/log/showname.$k" "$MLV" show baseline-0)"
	read -r all_med _ _ <<<"$(hyperfine_s "$S" 10 "$D/log/runsall.$k" "$MLV" runs --json)"
	all_rss=$(rss "$MLV" runs --json)
	eval "rss_$k=$r_rss heap_$k=$r_heap"
	# the same listing with a filter few runs pass (the sort index walk gives
	# up past a quarter of the runs), and the listing read from every summary
	read -r sel_med _ _ <<<"$(hyperfine_s "$S" 10 "$D/log/runssel.$k" \
		"$MLV" runs --filter 'name == "baseline-0"' --sort -metrics.auc -n 10)"
	read -r scan_med _ _ <<<"$(MLV_TEST_RUNS_SCAN=1 hyperfine_s "$S" 10 "$D/log/runsscan.$k" \
		"$MLV" runs --filter "$FILTER" --sort -metrics.auc -n 10)"
	if [ "$n" = 100000 ]; then
		result runs_100k_filter_sort "$(ms "$r_med")" ms "min-max=$(ms "$r_min")-$(ms "$r_max")ms mean cpu(user+sys)=${r_cpu}ms maxrss=${r_rss}KB" \
			"$(ms "$r_med")" "<=" 100
		result show_100k "$(ms "$s_med")" ms "min-max=$(ms "$s_min")-$(ms "$s_max")ms maxrss=${s_rss}KB (id prefix of 8)" \
			"$(ms "$s_med")" "<=" 5
	fi
	info "runs_$k" "generated in ${gen_s}s; runs --filter --sort -n 10: $(ms "$r_med")ms cpu=${r_cpu}ms maxrss=${r_rss}KB peak heap=${r_heap}KB; show ID: $(ms "$s_med")ms maxrss=${s_rss}KB; show NAME: $(ms "$sn_med")ms; runs --json (all $n rows): $(ms "$all_med")ms maxrss=${all_rss}KB; index $(size_of "$S/.mlv/index") B; same listing reading every summary: $(ms "$scan_med")ms; with a filter only baseline-0 passes: $(ms "$sel_med")ms"
done
first=$(set -- $SIZES; echo $(($1 / 1000))k) last=$(set -- $SIZES; eval echo \$$#); last=$((last / 1000))k
eval "r0=\$rss_$first r1=\$rss_$last h0=\$heap_$first h1=\$heap_$last"
result runs_memory_flat "$h1" KB "peak heap (massif) at $first=${h0}KB; max RSS $r0 -> ${r1}KB (runs --filter --sort -n 10)" \
	"$(awk "BEGIN { printf \"%.2f\", $h1 / $h0 }")" "<=" 1.25

# ---- [3/3] mlv run -- true against true ----
# In a git work tree with one commit, python3 on PATH being the interpreter
# itself (BENCH_PYTHON), after one run that fills the python cache.
wait_quiet "[3/3] run"
L3=$LOAD_LINE
R="$D/run"
mkdir -p "$R/pybin" && cd "$R" && git init -q && "$MLV" init -q && echo x >f && git add f && git commit -q -m init
PY=${BENCH_PYTHON:-$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)}
if [ -n "$PY" ] && [ -x "$PY" ]; then
	ln -sf "$(readlink -f "$PY")" "$R/pybin/python3"
	pynote="python3 on PATH: $(readlink -f "$PY") (probe cached)"
else
	pynote="no python3 on PATH"
fi
export PATH="$R/pybin:$PATH"
t=$(timeit "$D/log/run.first" "$MLV" run -- true) || die "mlv run failed"
read -r run_med run_min run_max <<<"$(hyperfine_s "$R" "$FAST_RUNS" "$D/log/run" "$MLV" run -- true)"
read -r true_med true_min true_max <<<"$(hyperfine_s "$R" "$FAST_RUNS" "$D/log/true" true)"
read -r np_med _ _ <<<"$(MLV_RUN_NO_PYTHON=1 hyperfine_s "$R" "$FAST_RUNS" "$D/log/run.nopy" "$MLV" run -- true)"
[ "$("$MLV" runs --json | jq '.runs | length')" -ge $((2 * FAST_RUNS + 1)) ] || die "not every mlv run was recorded"
over=$(awk "BEGIN { printf \"%.2f\", ($run_med - $true_med) * 1000 }")
run_cpu=$(hf_cpu "$D/log/run") true_cpu=$(hf_cpu "$D/log/true")
result run_overhead "$over" ms \
	"mlv run -- true=$(ms "$run_med")ms (min-max $(ms "$run_min")-$(ms "$run_max")) true=$(ms "$true_med")ms; $pynote" \
	"$over" "<=" 10
info run_detail "mean CPU (user+sys, with children): mlv run -- true=${run_cpu}ms true=${true_cpu}ms; MLV_RUN_NO_PYTHON=1: $(ms "$np_med")ms; first run (python probed, cache written): $(ms "$t")ms; every run: git status, 1 pack fsync + dir fsync, 1 LMDB commit"
info machine_load "$L1; $L2; $L3; at the end load1=$(load1)"

echo
echo "total time: $(($(date +%s) - T0)) s (plus ${LOAD_WAITED} s waiting for a quiet machine)"
print_tsv
