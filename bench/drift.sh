#!/usr/bin/env bash
# bench/drift.sh: `mlv drift REF CUR --json` against a pandas + scipy script
# computing the same statistics (bench/drift_ref.py), in the same run, on CSVs
# generated here; then mlv alone (pandas when it fits) on 10M rows. See
# bench/README.md for what each line means.
#
# Environment (besides lib.sh's BENCH_DIR, BENCH_RUNS, BENCH_BUILD, MLV,
# BENCH_TSV):
#   BENCH_PEER_RUNS         runs of the pandas script at 1M rows (default 3)
#   BENCH_DRIFT_ROWS        rows of each file in the timed comparison (1000000)
#   BENCH_DRIFT_BIG_ROWS    rows of each file in the big run (10000000; 0 skips it)
#   BENCH_DRIFT_BIG_RUNS    runs of mlv on the big files (default 3)
#   BENCH_DRIFT_PANDAS_BIG  auto (default): run pandas once on the big files when
#                           the 1M figures, scaled by rows x 1.5, say it takes at most
#                           BENCH_DRIFT_PANDAS_MAX s (300) and fits in 80% of
#                           MemAvailable; 1: always; 0: never
#   BENCH_DRIFT_HIST        1 (default): also check, untimed, the numbers of
#                           --test jensenshannon (histogram binning) against pandas
#   BENCH_PYTHON            python3 with pandas + scipy (default: the first of
#                           python3, /usr/bin/python3 that imports them)
#   BENCH_LOAD_MAX, BENCH_LOAD_POLL, BENCH_LOAD_WAIT  see lib.sh (wait_quiet)
#   BENCH_SEED              data seed (default 1; the current file uses SEED+1)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PEER_RUNS=${BENCH_PEER_RUNS:-3}
[ "$PEER_RUNS" -ge 1 ] 2>/dev/null || PEER_RUNS=1
ROWS=${BENCH_DRIFT_ROWS:-1000000}
BIG_ROWS=${BENCH_DRIFT_BIG_ROWS:-10000000}
BIG_RUNS=${BENCH_DRIFT_BIG_RUNS:-3}
[ "$BIG_RUNS" -ge 1 ] 2>/dev/null || BIG_RUNS=1
PANDAS_BIG=${BENCH_DRIFT_PANDAS_BIG:-auto}
PANDAS_MAX=${BENCH_DRIFT_PANDAS_MAX:-300}
HIST_CHECK=${BENCH_DRIFT_HIST:-1}
SEED=${BENCH_SEED:-1}

# GNU time for the peak RSS (`time` alone is the shell keyword).
need_tools /usr/bin/time:time

# A python3 that has pandas and scipy (pyenv or venv shims often do not).
PY=
for p in ${BENCH_PYTHON:-} python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import pandas, scipy, numpy' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	pk="python3-pandas python3-scipy python3-numpy"
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "bench: installing $pk"
		apt-get update -qq >&2 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pk >&2 ||
			die "apt-get install $pk failed"
		PY=/usr/bin/python3
		"$PY" -c 'import pandas, scipy, numpy' || die "$PY cannot import pandas and scipy"
	else
		die "no python3 with pandas and scipy; install the Debian packages: $pk (or set BENCH_PYTHON)"
	fi
fi
REF_PY="$BENCH_SRC/drift_ref.py"

# Disk: about 130 bytes a row, two files of each size.
bench_setup $(((ROWS + BIG_ROWS) * 2 * 130 / 1073741824 + 2))
build_mlv
D=$BENCH_DIR
T0=$(date +%s)

# wait_quiet comes from lib.sh; a minimal stand-in if this lib.sh lacks it.
if ! declare -F wait_quiet >/dev/null; then
	LOAD_WAITED=0
	wait_quiet() {
		local l waited=0
		while l=$(cut -d' ' -f1 /proc/loadavg) && awk "BEGIN { exit !($l > ${BENCH_LOAD_MAX:-1}) }" &&
			[ "$LOAD_WAITED" -lt "${BENCH_LOAD_WAIT:-600}" ]; do
			say "bench: machine busy before $1 (load1 $l); waiting ${BENCH_LOAD_POLL:-30}s"
			sleep "${BENCH_LOAD_POLL:-30}"
			waited=$((waited + ${BENCH_LOAD_POLL:-30})) LOAD_WAITED=$((LOAD_WAITED + ${BENCH_LOAD_POLL:-30}))
		done
		LOAD_LINE="$1: load1=$l waited=${waited}s"
	}
fi

fmt_s() { awk "BEGIN { printf \"%.3fs\", $1 }"; }
fmt_x() { awk "BEGIN { printf \"%.2f\", $1 }"; }
fmt_mb() { awk "BEGIN { printf \"%.0fMB\", $1 * 1024 / 1e6 }"; } # KiB (as GNU time gives) to MB
spread_mb() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0fMB\n", lo * 1.024 / 1000, hi * 1.024 / 1000 }'; }
pyver() { "$PY" -c 'import sys, pandas, scipy, numpy; print("python %d.%d.%d" % sys.version_info[:3], "pandas", pandas.__version__, "scipy", scipy.__version__, "numpy", numpy.__version__)'; }

echo "# mlv drift benchmark — $(date -u +%Y-%m-%dT%H:%MZ)"
machine_info
echo "versions: $("$MLV" --version 2>&1 | head -n 1); $(pyver)"
echo "runs: $BENCH_RUNS for mlv, $PEER_RUNS for pandas+scipy at $ROWS rows (alternating);" \
	"$BIG_RUNS for mlv at $BIG_ROWS rows; page cache warm (both tools read files already in memory)"
echo

mkdir -p "$D/data" "$D/t" "$D/out"

# run_one TOOL TAG REF CUR OUT [ARG...]: one timed run of TOOL on REF and CUR,
# its JSON to OUT; appends the seconds to $D/t/TAG.TOOL.s, the peak RSS
# (KiB, GNU time %M) to $D/t/TAG.TOOL.kb and the CPU seconds (user + system,
# GNU time %U + %S) to $D/t/TAG.TOOL.cpu. mlv's exit 1 (dataset drift) is fine.
run_one() {
	local tool=$1 tag=$2 ref=$3 cur=$4 out=$5 rss t
	shift 5
	case $tool in
	mlv) set -- "$MLV" drift "$ref" "$cur" --json "$@" ;;
	pandas) set -- "$PY" "$REF_PY" "$ref" "$cur" "$@" ;;
	esac
	rss="$D/t/$tag.$tool.rss"
	t=$(timeit "$D/log/$tag.$tool.log" /usr/bin/time -f '%U %S %M' -o "$rss" \
		bash -c 'out=$1; shift; "$@" >"$out"; rc=$?; [ "$rc" -le 1 ]' _ "$out" "$@") || return 1
	echo "$t" >>"$D/t/$tag.$tool.s"
	tail -n 1 "$rss" | awk '{ print $3 }' >>"$D/t/$tag.$tool.kb"
	tail -n 1 "$rss" | awk '{ print $1 + $2 }' >>"$D/t/$tag.$tool.cpu"
	echo "$t"
}

# check NAME MLV_JSON PANDAS_JSON WHAT: compare the statistics, print a result line.
check() {
	local name=$1 a=$2 b=$3 what=$4 line n mism maxrel
	line=$("$PY" "$REF_PY" --compare "$a" "$b" 2>&1) || true
	printf '%s\n' "$line" | sed '$d' | sed 's/^/    /' >&2
	line=$(printf '%s\n' "$line" | tail -n 1)
	n=$(printf '%s' "$line" | sed -n 's/^\([0-9]*\) columns.*/\1/p')
	mism=$(printf '%s' "$line" | sed -n 's/.*, \([0-9]*\) mismatches.*/\1/p')
	maxrel=$(printf '%s' "$line" | sed -n 's/.*statistics \([^,]*\),.*/\1/p')
	[ -n "$n" ] && [ -n "$mism" ] || { say "bench: compare failed: $line"; n=0 mism=1 maxrel=nan; }
	result "$name" "$((n - mism))/$n" "cols" \
		"max_rel_diff=$maxrel ($what; statistics to 1e-9 relative, p-values 1e-6, counts, types, tests and verdicts exact)" \
		"$mism" "<=" 0
}

# numeric_need JSON: bytes of the doubles the statistics need (8 per value of
# every numerical column, both files).
numeric_need() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(8 * sum(c["n_ref"] + c["n_cur"] for c in d["columns"] if c["type"] == "numerical"))' "$1"
}

# ---- 1. 1M rows: mlv against pandas + scipy ----
REF="$D/data/ref.csv" CUR="$D/data/cur.csv"
say "bench: generating $ROWS rows x 20 columns, twice"
"$GEN" drift "$REF" "$ROWS" "$SEED" 0 &
"$GEN" drift "$CUR" "$ROWS" "$((SEED + 1))" 1 &
wait
for f in "$REF" "$CUR"; do [ -s "$f" ] || die "data generation failed: $f"; done
echo "data: $ROWS rows x 20 columns (16 numerical, 4 categorical/int): ref.csv $(fsize "$REF") B," \
	"cur.csv $(fsize "$CUR") B (latency_ms x1.25, feature_a +0.4 sd, country mix changed)"

wait_quiet start
echo "machine_load $LOAD_LINE (at start: $(uptime | sed 's/.*load average/load average/'))"
warm "$REF" "$CUR"
say "bench: [1/3] $ROWS rows: mlv drift vs pandas+scipy (runs: $BENCH_RUNS mlv, $PEER_RUNS pandas, alternating)"
rounds=$BENCH_RUNS
[ "$PEER_RUNS" -gt "$rounds" ] && rounds=$PEER_RUNS
for ((r = 0; r < rounds; r++)); do
	if [ $((r % 2)) = 0 ]; then order="mlv pandas"; else order="pandas mlv"; fi
	for tool in $order; do
		case $tool in
		mlv) [ "$r" -lt "$BENCH_RUNS" ] || continue ;;
		pandas) [ "$r" -lt "$PEER_RUNS" ] || continue ;;
		esac
		t=$(run_one "$tool" 1m "$REF" "$CUR" "$D/out/1m.$tool.$r.json") || die "$tool failed (see $D/log/1m.$tool.log)"
		say "  round $((r + 1)) $tool ${t}s $(tail -n 1 "$D/t/1m.$tool.kb") KiB"
	done
done
m_s=$(median <"$D/t/1m.mlv.s") p_s=$(median <"$D/t/1m.pandas.s")
m_kb=$(median <"$D/t/1m.mlv.kb") p_kb=$(median <"$D/t/1m.pandas.kb")
result drift_1m_speed "$(fmt_s "$m_s")" "" \
	"pandas+scipy=$(fmt_s "$p_s") (medians of $BENCH_RUNS / $PEER_RUNS runs, wall time; ratio = pandas / mlv)" \
	"$(fmt_x "$p_s / $m_s")" ">=" 20
result drift_1m_peak_memory "$(fmt_mb "$m_kb")" "" \
	"pandas+scipy=$(fmt_mb "$p_kb") (peak RSS, GNU time %M, medians; ratio = mlv / pandas)" \
	"$(calc "$m_kb / $p_kb")" "<=" 0.3333
m_cpu=$(median <"$D/t/1m.mlv.cpu") p_cpu=$(median <"$D/t/1m.pandas.cpu")
# Not a target: CPU time hardly depends on how busy the machine is, wall
# time does (and mlv needs both cores at once); this says how far apart
# the tools are in work done.
info drift_1m_cpu "mlv=$(fmt_s "$m_cpu") pandas+scipy=$(fmt_s "$p_cpu") (user+system CPU seconds, medians), pandas/mlv=$(fmt_x "$p_cpu / $m_cpu"); wall/CPU: mlv $(fmt_x "$m_s / $m_cpu") pandas $(fmt_x "$p_s / $p_cpu")"
info drift_1m_spread "min-max: mlv=$(spread <"$D/t/1m.mlv.s")s $(spread_mb <"$D/t/1m.mlv.kb") pandas=$(spread <"$D/t/1m.pandas.s")s $(spread_mb <"$D/t/1m.pandas.kb")"
same=yes
for f in "$D"/out/1m.mlv.*.json; do cmp -s "$f" "$D/out/1m.mlv.0.json" || same=no; done
tests=$("$PY" -c 'import collections, json, sys
n = collections.Counter(c["test"] for c in json.load(open(sys.argv[1]))["columns"])
print(", ".join("%s x%d" % kv for kv in sorted(n.items())))' "$D/out/1m.pandas.0.json")
check drift_1m_identical "$D/out/1m.mlv.0.json" "$D/out/1m.pandas.0.json" \
	"default tests: $tests; mlv's $BENCH_RUNS outputs byte-identical: $same"
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("drift_1m_verdicts       " + " ".join("%s:%s=%.4g%s" % (c["column"], c["test"][:4], c["statistic"], "!" if c["drift"] else "") for c in d["columns"]))
print("                        drifted %d of %d, dataset drift: %s (! = drift)" % (d["drifted_columns"], len(d["columns"]), "yes" if d["dataset_drift"] else "no"))' \
	"$D/out/1m.mlv.0.json"

# ---- 2. the histogram binning, untimed ----
if [ "$HIST_CHECK" = 1 ]; then
	say "bench: [2/3] --test jensenshannon (Sturges histograms), numbers only"
	run_one mlv hist "$REF" "$CUR" "$D/out/hist.mlv.json" --test jensenshannon >/dev/null || die "mlv --test jensenshannon failed"
	run_one pandas hist "$REF" "$CUR" "$D/out/hist.pandas.json" --test jensenshannon >/dev/null || die "drift_ref.py --test jensenshannon failed"
	check drift_1m_identical_hist "$D/out/hist.mlv.json" "$D/out/hist.pandas.json" \
		"--test jensenshannon: Sturges histograms of ref+cur for the 16 columns with > 20 values, one bin per value for the rest; mlv $(fmt_s "$(cat "$D/t/hist.mlv.s")") pandas $(fmt_s "$(cat "$D/t/hist.pandas.s")"), one run"
fi

# ---- 3. 10M rows: mlv finishes, memory bounded ----
if [ "$BIG_ROWS" -gt 0 ]; then
	BREF="$D/data/ref-big.csv" BCUR="$D/data/cur-big.csv"
	say "bench: [3/3] generating $BIG_ROWS rows x 20 columns, twice"
	tg=$(date +%s)
	"$GEN" drift "$BREF" "$BIG_ROWS" "$SEED" 0 &
	"$GEN" drift "$BCUR" "$BIG_ROWS" "$((SEED + 1))" 1 &
	wait
	for f in "$BREF" "$BCUR"; do [ -s "$f" ] || die "data generation failed: $f"; done
	echo "data: $BIG_ROWS rows: ref $(fsize "$BREF") B, cur $(fsize "$BCUR") B (generated in $(($(date +%s) - tg)) s)"
	wait_quiet big
	echo "machine_load $LOAD_LINE"
	warm "$BREF" "$BCUR"
	for ((r = 0; r < BIG_RUNS; r++)); do
		t=$(run_one mlv big "$BREF" "$BCUR" "$D/out/big.mlv.$r.json") || die "mlv failed on $BIG_ROWS rows (see $D/log/big.mlv.log)"
		say "  run $((r + 1)) mlv ${t}s $(tail -n 1 "$D/t/big.mlv.kb") KiB"
	done
	b_s=$(median <"$D/t/big.mlv.s") b_kb=$(median <"$D/t/big.mlv.kb")
	need=$(numeric_need "$D/out/big.mlv.0.json")
	need1=$(numeric_need "$D/out/1m.mlv.0.json")
	files=$(($(fsize "$BREF") + $(fsize "$BCUR")))
	# Bounded: the peak is the doubles of the numerical columns (what exact
	# Wasserstein distances need) plus a constant, not the text nor a per-row
	# overhead. Ratio: peak / (doubles needed + 64 MB).
	result drift_10m_memory "$(fmt_mb "$b_kb")" "" \
		"doubles_needed=$(fmt_mb "$need / 1024") files=$(fmt_mb "$files / 1024") peak_at_1M=$(fmt_mb "$m_kb") (x$(fmt_x "$b_kb / $m_kb") for x$(fmt_x "$BIG_ROWS / $ROWS") rows; ratio = peak RSS / (doubles needed + 64 MB))" \
		"$(calc "$b_kb * 1024 / ($need + 64e6)")" "<=" 1.25
	info drift_10m_time "mlv=$(fmt_s "$b_s") (median of $BIG_RUNS, spread $(spread <"$D/t/big.mlv.s")s), x$(fmt_x "$b_s / $m_s") the 1M time; $(awk "BEGIN { printf \"%.0f\", $files / $b_s / 1e6 }") MB/s of CSV; 1M: 8 B x values = $(fmt_mb "$need1 / 1024")"
	same=yes
	for f in "$D"/out/big.mlv.*.json; do cmp -s "$f" "$D/out/big.mlv.0.json" || same=no; done

	# pandas at 10M: when the 1M figures, scaled by rows, say it fits.
	scale=$(calc "$BIG_ROWS / $ROWS")
	est_s=$(calc "$p_s * $scale * 1.5")
	est_kb=$(calc "$p_kb * $scale * 1.5")
	avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	run_pd=0 why=""
	case $PANDAS_BIG in
	1) run_pd=1 ;;
	0) why="BENCH_DRIFT_PANDAS_BIG=0" ;;
	*)
		if awk "BEGIN { exit !($est_s > $PANDAS_MAX) }"; then
			why="estimated ${est_s}s > ${PANDAS_MAX}s"
		elif awk "BEGIN { exit !($est_kb > 0.8 * $avail_kb) }"; then
			why="estimated peak $(fmt_mb "$est_kb") > 80% of MemAvailable $(fmt_mb "$avail_kb")"
		else
			run_pd=1
		fi
		;;
	esac
	if [ "$run_pd" = 1 ]; then
		say "bench: pandas+scipy on $BIG_ROWS rows, one run (estimated ${est_s}s, $(fmt_mb "$est_kb"))"
		if t=$(run_one pandas big "$BREF" "$BCUR" "$D/out/big.pandas.json"); then
			pb_kb=$(tail -n 1 "$D/t/big.pandas.kb")
			info drift_10m_vs_pandas "pandas+scipy=$(fmt_s "$t") $(fmt_mb "$pb_kb") (one run) vs mlv=$(fmt_s "$b_s") $(fmt_mb "$b_kb"): speed x$(fmt_x "$t / $b_s"), memory mlv/pandas=$(calc "$b_kb / $pb_kb")"
			check drift_10m_identical "$D/out/big.mlv.0.json" "$D/out/big.pandas.json" \
				"$BIG_ROWS rows; mlv's $BIG_RUNS outputs byte-identical: $same"
		else
			info drift_10m_vs_pandas "pandas+scipy failed on $BIG_ROWS rows (see $D/log/big.pandas.log)"
		fi
	else
		info drift_10m_vs_pandas "pandas+scipy skipped at $BIG_ROWS rows: $why"
	fi
	rm -f "$BREF" "$BCUR"
fi

echo
echo "machine_load at the end: $(uptime | sed 's/.*load average/load average/'); waited ${LOAD_WAITED}s in all"
echo "total time: $(($(date +%s) - T0)) s"
print_tsv
