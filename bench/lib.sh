# bench/lib.sh: helpers shared by the bench/*.sh scripts (bash). Source it:
#   . "$(dirname "$0")/lib.sh"
#
# Environment (all optional):
#   BENCH_DIR     where data, stores and logs go (default: a new temp dir under
#                 ${TMPDIR:-/tmp}, removed at exit; a given BENCH_DIR is kept)
#   BENCH_RUNS    repeats of each timed measurement (default 5, at least 3)
#   BENCH_BUILD   build dir for mlv (default: <repo>/build-bench)
#   MLV           use this mlv binary instead of building one
#   BENCH_TSV     also write the machine-readable summary to this file
#   BENCH_COLD    1 (default): drop the page cache before timed store runs when
#                 root; 0: leave caches warm

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_ROOT=$(cd "$BENCH_SRC/.." && pwd)
BENCH_RUNS=${BENCH_RUNS:-5}
[ "$BENCH_RUNS" -ge 3 ] 2>/dev/null || BENCH_RUNS=3
BENCH_COLD=${BENCH_COLD:-1}

say() { printf '%s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# need_tools CMD:PACKAGE ... — install missing Debian packages when root,
# otherwise say what to install and fail.
need_tools() {
	local missing="" t cmd pkg
	for t in "$@"; do
		cmd=${t%%:*} pkg=${t#*:}
		command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "bench: installing$missing"
		apt-get update -qq >&2 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 ||
			die "apt-get install$missing failed"
	else
		die "missing tools; install the Debian packages:$missing (e.g. sudo apt-get install$missing)"
	fi
}

# bench_setup: make BENCH_DIR, check its free space (need GiB in $1), build
# the generator/timer into $BENCH_DIR/tools.
bench_setup() {
	local need_gib=${1:-1}
	if [ -z "${BENCH_DIR:-}" ]; then
		BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mlv-bench.XXXXXX") || die "mktemp failed"
		BENCH_DIR_TEMP=1
		trap 'bench_cleanup' EXIT
		trap 'exit 130' INT TERM
	else
		mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
		BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
	fi
	local avail_kb
	avail_kb=$(df -Pk "$BENCH_DIR" | awk 'NR==2 {print $4}')
	if [ "$avail_kb" -lt $((need_gib * 1024 * 1024)) ]; then
		die "$BENCH_DIR has $((avail_kb / 1024)) MiB free; this benchmark needs ${need_gib} GiB (set BENCH_DIR)"
	fi
	if [ "$(df -P "$BENCH_DIR" | awk 'NR==2 {print $1}')" = tmpfs ]; then
		say "bench: warning: $BENCH_DIR is on tmpfs; sync and cache dropping mean nothing there"
	fi
	mkdir -p "$BENCH_DIR/tools" "$BENCH_DIR/log"
	local cc=${CC:-cc}
	command -v "$cc" >/dev/null 2>&1 || need_tools cc:build-essential
	"$cc" -O2 -o "$BENCH_DIR/tools/gen-data" "$BENCH_SRC/gen-data.c" -lm ||
		die "cannot build gen-data"
	GEN="$BENCH_DIR/tools/gen-data"
	if [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
		CAN_DROP=1
	else
		CAN_DROP=0
	fi
}

bench_cleanup() {
	if [ "${BENCH_DIR_TEMP:-0}" = 1 ] && [ -n "${BENCH_DIR:-}" ]; then
		rm -rf "$BENCH_DIR"
	fi
}

# build_mlv: sets MLV to a built binary (cmake configure + build).
build_mlv() {
	if [ -n "${MLV:-}" ]; then
		[ -x "$MLV" ] || die "MLV=$MLV is not executable"
		return 0
	fi
	need_tools cmake:cmake
	local b=${BENCH_BUILD:-$BENCH_ROOT/build-bench}
	say "bench: building mlv in $b"
	cmake -S "$BENCH_ROOT" -B "$b" >"$BENCH_DIR/log/cmake.log" 2>&1 &&
		cmake --build "$b" -j "$(nproc 2>/dev/null || echo 2)" >>"$BENCH_DIR/log/cmake.log" 2>&1 ||
		{ tail -n 30 "$BENCH_DIR/log/cmake.log" >&2; die "mlv build failed (log above)"; }
	MLV="$b/mlv"
	[ -x "$MLV" ] || die "build produced no $MLV"
}

# drop_caches: sync, then drop the page cache when allowed.
drop_caches() {
	sync
	if [ "$CAN_DROP" = 1 ]; then
		echo 3 >/proc/sys/vm/drop_caches
	fi
}

# warm FILE...: read files into the page cache.
warm() { cat "$@" >/dev/null; }

# timeit LOG CMD [ARG...]: run CMD once (output to LOG), print seconds
# measured with CLOCK_MONOTONIC. Fails when CMD fails.
timeit() {
	local log=$1
	shift
	if "$GEN" time -o "$log.t" "$@" >>"$log" 2>&1; then
		cat "$log.t"
	else
		say "bench: command failed: $* (see $log)"
		tail -n 5 "$log" >&2
		return 1
	fi
}

# median: median of the numbers on stdin, one per line.
median() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# spread: "min-max" of the numbers on stdin.
spread() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f\n", lo, hi }'; }

# size_of PATH...: bytes on disk (apparent size, du -sb) of the paths summed.
size_of() { du -sbc "$@" 2>/dev/null | awk 'END {print $1}'; }

# fsize FILE: file size in bytes.
fsize() { stat -c %s "$1"; }

# calc EXPR: floating point arithmetic.
calc() { awk "BEGIN { printf \"%.6g\n\", $* }"; }

# Results. result NAME MLV_VALUE UNIT PEERS RATIO OP TARGET
#   PEERS: "name=value ..." shown verbatim; OP is <= (pass when RATIO <= TARGET).
# Prints a human line and appends to the TSV summary.
RESULTS_TSV=""
result() {
	local name=$1 mval=$2 unit=$3 peers=$4 ratio=$5 op=$6 target=$7 verdict
	if awk "BEGIN { exit !($ratio $op $target) }"; then verdict=PASS; else verdict=MISS; fi
	printf '%-22s mlv=%s%s  %s  ratio=%s  target=%s%s  %s\n' \
		"$name" "$mval" "$unit" "$peers" "$ratio" "$op" "$target" "$verdict"
	RESULTS_TSV="$RESULTS_TSV$name	$mval	$unit	$ratio	$op$target	$verdict	$peers
"
}

# info NAME TEXT: an informational line (no target), also in the TSV.
info() {
	printf '%-22s %s\n' "$1" "$2"
	RESULTS_TSV="$RESULTS_TSV$1	-	-	-	-	INFO	$2
"
}

# print_tsv: the summary as TSV on stdout, and into $BENCH_TSV when set.
print_tsv() {
	local hdr="name	mlv	unit	ratio	target	verdict	peers"
	printf '\n# summary (TSV)\n%s\n%s' "$hdr" "$RESULTS_TSV"
	if [ -n "${BENCH_TSV:-}" ]; then
		printf '%s\n%s' "$hdr" "$RESULTS_TSV" >"$BENCH_TSV"
	fi
}

# machine_info: one paragraph describing the machine.
machine_info() {
	local cpu mem disk
	cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
	mem=$(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB RAM"}')
	disk=$(df -PTh "$BENCH_DIR" | awk 'NR==2 {print $2 ", " $3 " total, " $5 " free"}')
	printf 'machine: %s, %s CPUs, %s; %s: %s; kernel %s\n' "${cpu:-unknown CPU}" \
		"$(nproc 2>/dev/null)" "$mem" "$BENCH_DIR" "$disk" "$(uname -r)"
}

# ---- machine load (other people's builds and tests make timings noisy) ----

# load1: the 1-minute load average.
load1() { cut -d' ' -f1 /proc/loadavg; }

# busy_cpus SECONDS: how many CPUs were busy, on average, over SECONDS of
# sleep (from /proc/stat). Called while the benchmark itself is idle, it is
# the load of everything else, which the load average (that also counts this
# benchmark's last minute) cannot tell.
busy_cpus() {
	local a b
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat)
	sleep "$1"
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat)
	echo "$a $b" | awk -v n="$(nproc 2>/dev/null || echo 1)" '{
		d = $4 - $2; printf "%.2f\n", (d > 0 ? n * ($3 - $1) / d : 0) }'
}

# wait_quiet WHAT: before measuring WHAT, wait while the machine is busy:
# the 1-minute load average (before the benchmark starts) or, between
# sections, the CPUs busy during a 3 s idle sample, is above BENCH_LOAD_MAX
# (default 1). Polls every BENCH_LOAD_POLL s (30) for at most BENCH_LOAD_WAIT
# s (600) over the whole run, then measures anyway. Sets LOAD_LINE to one line
# for the report: "WHAT: load1=.. others_busy_cpus=.. waited=..s" (not meant
# for $(...): LOAD_WAITED, the total wait, must survive).
LOAD_WAITED=0
wait_quiet() {
	local what=$1 max=${BENCH_LOAD_MAX:-1} budget=${BENCH_LOAD_WAIT:-600} poll=${BENCH_LOAD_POLL:-30}
	local l b waited=0 metric
	while :; do
		l=$(load1)
		if [ "$what" = start ]; then metric=$l; b=-; else b=$(busy_cpus 3); metric=$b; fi
		awk "BEGIN { exit !($metric > $max) }" || break
		if [ "$LOAD_WAITED" -ge "$budget" ]; then
			say "bench: machine still busy (load1 $l, others' CPUs $b) after ${LOAD_WAITED}s of waiting; measuring anyway"
			break
		fi
		say "bench: machine busy before $what (load1 $l, others' CPUs $b > $max); waiting ${poll}s"
		sleep "$poll"
		waited=$((waited + poll)) LOAD_WAITED=$((LOAD_WAITED + poll))
	done
	LOAD_LINE=$(printf '%s: load1=%s others_busy_cpus=%s waited=%ss' "$what" "$l" "$b" "$waited")
}

# hyperfine_s DIR RUNS LOG CMD...: median, min and max seconds ("M MIN MAX") of
# CMD run RUNS times in DIR by `hyperfine -N --warmup 3`; a timed loop
# (median only, repeated for min and max) when hyperfine refuses.
hyperfine_s() {
	local dir=$1 runs=$2 log=$3 json
	shift 3
	json="$log.json"
	if (cd "$dir" && hyperfine -N --warmup 3 --runs "$runs" --export-json "$json" \
		"$(printf '%q ' "$@")" >>"$log" 2>&1); then
		local f
		for f in median min max; do
			sed -n 's/^ *"'"$f"'": *\([0-9.eE+-]*\),*$/\1/p' "$json" | head -n 1
		done | paste -sd' '
	else
		local s
		s=$(cd "$dir" && "$GEN" time -n "$runs" -o "$log.t" "$@" >>"$log" 2>&1 && cat "$log.t") || s=nan
		echo "$s $s $s"
	fi
}
