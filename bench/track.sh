#!/usr/bin/env bash
# bench/track.sh: data versioning — `mlv track`, `status`, `checkout` — against
# git-lfs, restic and plain cp, all measured in this run on data generated
# here. See bench/README.md for what each line means.
#
# Environment (besides lib.sh's BENCH_DIR, BENCH_RUNS, BENCH_BUILD, MLV,
# BENCH_TSV, BENCH_COLD, BENCH_LOAD_MAX, BENCH_LOAD_WAIT, BENCH_LOAD_POLL):
#   BENCH_PEER_RUNS   repeats for git-lfs and restic (default 3; they are slow)
#   BENCH_FAST_RUNS   hyperfine runs for status and re-track (default 50)
#   BENCH_BIG_MB      size of the incompressible file in MiB (default 1024)
#   BENCH_TREE_FILES  files in the small-file tree (default 10000)
#   BENCH_TREE_BYTES  mean size of those files (default 12000)
#   BENCH_CSV_ROWS    rows of the CSV (default 1000000; 1% more are appended)
#   BENCH_SEED        data seed (default 1)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PEER_RUNS=${BENCH_PEER_RUNS:-3}
[ "$PEER_RUNS" -ge 1 ] 2>/dev/null || PEER_RUNS=1
FAST_RUNS=${BENCH_FAST_RUNS:-50}
[ "$FAST_RUNS" -ge 5 ] 2>/dev/null || FAST_RUNS=5
BIG_MB=${BENCH_BIG_MB:-1024}
TREE_FILES=${BENCH_TREE_FILES:-10000}
TREE_BYTES=${BENCH_TREE_BYTES:-12000}
CSV_ROWS=${BENCH_CSV_ROWS:-1000000}
SEED=${BENCH_SEED:-1}

need_tools git:git git-lfs:git-lfs restic:restic hyperfine:hyperfine
# Disk: the big file and two copies of it (one store at a time, plus git-lfs's
# work-tree link is free), the tree in four places, the CSVs and their stores.
bench_setup $((BIG_MB * 2 / 1024 + 3))
build_mlv
D=$BENCH_DIR

export RESTIC_PASSWORD=mlv-bench RESTIC_CACHE_DIR="$D/cache/restic"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export MLV

wait_quiet start
LOADS=$LOAD_LINE
T0=$(date +%s)
echo "# mlv data-versioning benchmark — $(date -u +%Y-%m-%dT%H:%MZ)"
machine_info
echo "versions: $("$MLV" --version 2>&1 | head -n 1); $(git --version); $(git lfs version);" \
	"$(restic version | cut -d' ' -f1-2); $(hyperfine --version)"
echo "runs: $BENCH_RUNS for mlv and cp; only $PEER_RUNS for git-lfs and restic (slow peers);" \
	"hyperfine -N --warmup 3 --runs $FAST_RUNS for status and re-track; 1 for the CSV sizes (deterministic)"
if [ "$CAN_DROP" = 1 ] && [ "$BENCH_COLD" = 1 ]; then
	echo "caches: sync + drop_caches before every timed store/checkout run (cold reads); sync inside every timed store/checkout, for every tool"
else
	echo "caches: sync before every timed run, page cache NOT dropped (not root or BENCH_COLD=0); sync inside every timed store/checkout, for every tool"
fi
echo "load before start: $LOADS"
echo

# ---- data ----
mkdir -p "$D/data" "$D/t" "$D/s"
say "bench: generating data in $D/data"
BIG="$D/data/big.bin" TREE="$D/data/tree"
V1="$D/data/v1.csv" V2="$D/data/v2-append.csv"
"$GEN" rand "$BIG" $((BIG_MB * 1024 * 1024)) "$SEED" &
"$GEN" tree "$TREE" "$TREE_FILES" "$TREE_BYTES" "$SEED" &
"$GEN" csv "$V1" "$CSV_ROWS" "$SEED" &
"$GEN" csv "$V2" $((CSV_ROWS + CSV_ROWS / 100)) "$SEED" &
wait
for f in "$BIG" "$V1" "$V2"; do [ -s "$f" ] || die "data generation failed: $f"; done
tree_n=$(find "$TREE" -type f | wc -l) tree_b=$(du -sb --apparent-size "$TREE" | cut -f1)
[ "$tree_n" = "$TREE_FILES" ] || die "data generation failed: $TREE has $tree_n files"
echo "data: big.bin $(fsize "$BIG") B random; tree/ $tree_n files, $tree_b B (1/4 CSV, 1/4 JSON lines, 1/2 random);" \
	"v1.csv $(fsize "$V1") B, v2-append.csv $(fsize "$V2") B (+1% rows)"

# ---- tools: prep_<tool> DIR makes an empty repo/store (untimed); add_<tool>
# DIR stores the data placed in it (timed, sync included) ----
# The big file goes into each work tree as a hard link (a new file to git and
# mlv, no extra disk), the tree as a copy; restic and cp read the data
# directory itself.
prep_git() { mkdir -p "$1" && cd "$1" && git init -q; }
prep_mlv() { prep_git "$1" && "$MLV" init -q; }
prep_gitlfs() { # DIR PATTERN
	prep_git "$1" && git lfs install --local >/dev/null && git lfs track "$2" >/dev/null &&
		git add .gitattributes
}
add_cp() { cp -r "$2" "$1/" && sync; }                     # DIR SRC
add_mlv() { cd "$1" && "$MLV" track -q "$2" && sync; }     # DIR NAME
add_gitlfs() { cd "$1" && git add "$2" && sync; }          # DIR NAME
add_restic() { cd "$(dirname "$2")" && restic -r "$1" backup --no-cache -q "$(basename "$2")" && sync; } # REPO SRC
export -f prep_git prep_mlv prep_gitlfs add_cp add_mlv add_gitlfs add_restic

# timed LOGNAME FUNC ARG...: drop caches (or sync), run FUNC ARG... timed; prints seconds.
timed() {
	local log="$D/log/$1.log"
	shift
	if [ "$BENCH_COLD" = 1 ]; then drop_caches; else sync; fi
	timeit "$log" bash -c '"$@"' _ "$@"
}

fmt_s() { awk "BEGIN { printf \"%.3fs\", $1 }"; }
fmt_ms() { awk "BEGIN { printf \"%.1f\", 1000 * $1 }"; }
fmt_x() { awk "BEGIN { printf \"%.2f\", $1 }"; }
pct() { awk "BEGIN { printf \"%.2f%%\", 100 * $1 / $2 }"; }
# active TOOL ROUND: does TOOL run in this round (mlv/cp: BENCH_RUNS, peers: PEER_RUNS)?
active() {
	case $1 in
	cp | mlv) [ "$2" -lt "$BENCH_RUNS" ] ;;
	*) [ "$2" -lt "$PEER_RUNS" ] ;;
	esac
}
rounds=$BENCH_RUNS
[ "$PEER_RUNS" -gt "$rounds" ] && rounds=$PEER_RUNS

# ---- 1. tracking the 1 GiB incompressible file ----
wait_quiet "[1/4] 1 GiB"
L1=$LOAD_LINE
say "bench: [1/4] track ${BIG_MB} MiB incompressible (runs: $BENCH_RUNS; peers $PEER_RUNS) — $L1"
tools=(cp mlv gitlfs)
for ((r = 0; r < rounds; r++)); do
	n=${#tools[@]}
	for ((k = 0; k < n; k++)); do
		tool=${tools[$(((k + r) % n))]} # rotate the order every round
		active "$tool" "$r" || continue
		dir="$D/s/big-$tool"
		rm -rf "$dir"
		case $tool in
		cp) mkdir -p "$dir" ;;
		mlv) (prep_mlv "$dir") >>"$D/log/mlv.log" 2>&1 ;;
		gitlfs) (prep_gitlfs "$dir" '*.bin') >>"$D/log/gitlfs.log" 2>&1 ;;
		esac || die "$tool: cannot make a repo (see $D/log/)"
		[ "$tool" = cp ] || ln "$BIG" "$dir/big.bin" || cp "$BIG" "$dir/big.bin"
		warm "$BIG"
		case $tool in
		cp) t=$(timed big-cp add_cp "$dir" "$BIG") ;;
		mlv) t=$(timed big-mlv add_mlv "$dir" big.bin) ;;
		gitlfs) t=$(timed big-gitlfs add_gitlfs "$dir" big.bin) ;;
		esac || die "$tool failed storing $BIG"
		echo "$t" >>"$D/t/big.$tool"
		say "  round $((r + 1)) $tool ${t}s"
		rm -rf "$dir"
	done
done
for tool in "${tools[@]}"; do eval "big_$tool=\$(median <\"\$D/t/big.\$tool\")"; done
result track_1g_vs_cp "$(fmt_s "$big_mlv")" "" "cp+sync=$(fmt_s "$big_cp")" \
	"$(fmt_x "$big_mlv / $big_cp")" "<=" 1.5
result track_1g_vs_gitlfs "$(fmt_s "$big_mlv")" "" \
	"git-lfs-add=$(fmt_s "$big_gitlfs") (ratio = git-lfs / mlv, median of $PEER_RUNS)" \
	"$(fmt_x "$big_gitlfs / $big_mlv")" ">=" 5
info track_1g_spread "min-max seconds: mlv=$(spread <"$D/t/big.mlv") cp+sync=$(spread <"$D/t/big.cp") git-lfs=$(spread <"$D/t/big.gitlfs")"

# ---- 2. tracking the tree of small files ----
wait_quiet "[2/4] tree"
L2=$LOAD_LINE
say "bench: [2/4] track a tree of $TREE_FILES files (runs: $BENCH_RUNS; peers $PEER_RUNS) — $L2"
tools=(mlv gitlfs restic cp)
for ((r = 0; r < rounds; r++)); do
	# Make every repo of this round (the tree copied in with cp -a: own
	# inodes, so no later copy touches a kept repo's files), then wait 1 s:
	# the files are then older than mlv's 100 ms stat-cache horizon, as data
	# in a real work tree is.
	for tool in "${tools[@]}"; do
		active "$tool" "$r" || continue
		dir="$D/s/tree-$tool"
		rm -rf "$dir"
		case $tool in
		cp) mkdir -p "$dir" ;;
		mlv) (prep_mlv "$dir" && cp -a "$TREE" "$dir/tree") >>"$D/log/mlv.log" 2>&1 ;;
		gitlfs) (prep_gitlfs "$dir" 'tree/**' && cp -a "$TREE" "$dir/tree") >>"$D/log/gitlfs.log" 2>&1 ;;
		restic) restic init -q -r "$dir" >>"$D/log/restic.log" 2>&1 ;;
		esac || die "$tool: cannot make a repo (see $D/log/)"
	done
	sleep 1
	n=${#tools[@]}
	for ((k = 0; k < n; k++)); do
		tool=${tools[$(((k + r) % n))]}
		active "$tool" "$r" || continue
		dir="$D/s/tree-$tool"
		case $tool in
		cp) t=$(timed tree-cp add_cp "$dir" "$TREE") ;;
		mlv) t=$(timed tree-mlv add_mlv "$dir" tree) ;;
		gitlfs) t=$(timed tree-gitlfs add_gitlfs "$dir" tree) ;;
		restic) t=$(timed tree-restic add_restic "$dir" "$TREE") ;;
		esac || die "$tool failed storing $TREE"
		echo "$t" >>"$D/t/tree.$tool"
		say "  round $((r + 1)) $tool ${t}s"
	done
	# Keep the last mlv and git-lfs repos for the status measurements.
	active restic "$r" && tree_size_restic=$(size_of "$D/s/tree-restic")
	rm -rf "$D/s/tree-cp" "$D/s/tree-restic"
	if [ "$r" -lt $((BENCH_RUNS - 1)) ]; then rm -rf "$D/s/tree-mlv"; fi
	if [ "$r" -lt $((PEER_RUNS - 1)) ]; then rm -rf "$D/s/tree-gitlfs"; fi
done
MREPO="$D/s/tree-mlv" GREPO="$D/s/tree-gitlfs"
tree_size_mlv=$(size_of "$MREPO/.mlv/objects") tree_size_gitlfs=$(size_of "$GREPO/.git/lfs/objects")
for tool in "${tools[@]}"; do eval "tree_$tool=\$(median <\"\$D/t/tree.\$tool\")"; done
result track_tree_vs_gitlfs "$(fmt_s "$tree_mlv")" "" \
	"git-lfs-add=$(fmt_s "$tree_gitlfs") (ratio = git-lfs / mlv)" \
	"$(fmt_x "$tree_gitlfs / $tree_mlv")" ">=" 10
result track_tree_vs_restic "$(fmt_s "$tree_mlv")" "" \
	"restic-backup=$(fmt_s "$tree_restic") (ratio = restic / mlv)" \
	"$(fmt_x "$tree_restic / $tree_mlv")" ">" 1
info track_tree_floor "cp -r + sync=$(fmt_s "$tree_cp") (mlv / cp = $(fmt_x "$tree_mlv / $tree_cp")x)"
info track_tree_spread "min-max seconds: mlv=$(spread <"$D/t/tree.mlv") git-lfs=$(spread <"$D/t/tree.gitlfs") restic=$(spread <"$D/t/tree.restic") cp=$(spread <"$D/t/tree.cp")"
info track_tree_sizes "stored: mlv .mlv/objects=${tree_size_mlv}B git-lfs .git/lfs/objects=${tree_size_gitlfs}B restic repo=${tree_size_restic:-?}B (raw ${tree_b}B)"

# ---- 3. status and re-track of the unchanged tree ----
wait_quiet "[3/4] status"
L3=$LOAD_LINE
say "bench: [3/4] status / re-track of $TREE_FILES unchanged files (hyperfine, $FAST_RUNS runs) — $L3"
(cd "$GREPO" && git commit -q -m tree) >>"$D/log/gitlfs.log" 2>&1 || die "git commit failed in the git-lfs repo"
sleep 1
st_out=$(cd "$MREPO" && "$MLV" status --exit-code 2>&1) && st_rc=0 || st_rc=$?
[ "$st_rc" = 0 ] && [ -z "$st_out" ] || say "bench: warning: mlv status is not clean (exit $st_rc): $(printf '%s' "$st_out" | head -n 3)"
rt_out=$(cd "$MREPO" && "$MLV" track tree 2>&1) || die "mlv track (re-track) failed: $rt_out"
case $rt_out in unchanged*) ;; *) say "bench: warning: re-track did not say unchanged: $rt_out" ;; esac
gst_out=$(cd "$GREPO" && git status --porcelain 2>&1)
[ -z "$gst_out" ] || say "bench: warning: git status in the git-lfs repo is not clean: $(printf '%s' "$gst_out" | head -n 3)"
read -r st_mlv st_mlv_lo st_mlv_hi <<<"$(hyperfine_s "$MREPO" "$FAST_RUNS" "$D/log/hf-status" "$MLV" status)"
read -r st_git st_git_lo st_git_hi <<<"$(hyperfine_s "$GREPO" "$FAST_RUNS" "$D/log/hf-gitstatus" git status)"
read -r rt_sync rt_sync_lo rt_sync_hi <<<"$(hyperfine_s "$MREPO" "$FAST_RUNS" "$D/log/hf-retrack-sync" \
	bash -c '"$1" track -q tree && sync' _ "$MLV")"
read -r rt_mlv rt_mlv_lo rt_mlv_hi <<<"$(hyperfine_s "$MREPO" "$FAST_RUNS" "$D/log/hf-retrack" "$MLV" track -q tree)"
result status_10k_unchanged "$(fmt_ms "$st_mlv")" ms \
	"min-max=$(fmt_ms "$st_mlv_lo")-$(fmt_ms "$st_mlv_hi")ms (ratio = median ms)" "$(fmt_ms "$st_mlv")" "<=" 50
result status_vs_git_status "$(fmt_ms "$st_mlv")" ms \
	"git-status(git-lfs repo)=$(fmt_ms "$st_git")ms min-max=$(fmt_ms "$st_git_lo")-$(fmt_ms "$st_git_hi") (ratio = mlv / git)" \
	"$(fmt_x "$st_mlv / $st_git")" "<=" 1
result retrack_10k_unchanged "$(fmt_ms "$rt_sync")" ms \
	"with sync; min-max=$(fmt_ms "$rt_sync_lo")-$(fmt_ms "$rt_sync_hi")ms; without sync $(fmt_ms "$rt_mlv")ms (ratio = median ms)" \
	"$(fmt_ms "$rt_sync")" "<=" 100
rm -rf "$GREPO"

# ---- 4. the CSV: growth after appending 1% rows, and checkout ----
wait_quiet "[4/4] CSV"
L4=$LOAD_LINE
say "bench: [4/4] CSV +1% rows: growth, checkout (runs: $BENCH_RUNS) — $L4"
v1_raw=$(fsize "$V1") v2_raw=$(fsize "$V2")
# csv_versions TOOL DIR: track v1, commit, append the new rows in place,
# track again, commit; sets csv_s1/csv_s2 (store sizes) and csv_t1/csv_t2.
csv_versions() {
	local tool=$1 dir=$2
	case $tool in
	mlv) (prep_mlv "$dir") ;;
	gitlfs) (prep_gitlfs "$dir" '*.csv') ;;
	esac >>"$D/log/$tool.log" 2>&1 || die "$tool: cannot make a repo"
	cp "$V1" "$dir/data.csv"
	sleep 0.2
	csv_t1=$(timed "csv-$tool" "add_$tool" "$dir" data.csv) || die "$tool failed on v1.csv"
	csv_s1=$(size_"$tool" "$dir")
	commit_csv "$tool" "$dir" v1
	tail -c +$((v1_raw + 1)) "$V2" >>"$dir/data.csv"
	cmp -s "$V2" "$dir/data.csv" || die "appending to data.csv did not give v2-append.csv"
	sleep 0.2
	csv_t2=$(timed "csv-$tool" "add_$tool" "$dir" data.csv) || die "$tool failed on the appended CSV"
	csv_s2=$(size_"$tool" "$dir")
	commit_csv "$tool" "$dir" v2
}
size_mlv() { size_of "$1/.mlv/objects"; }
commit_csv() { # TOOL DIR MSG: commit the pointer (mlv) or the staged file (git-lfs)
	(cd "$2" && if [ "$1" = mlv ]; then git add data.csv.mlv .gitignore; fi && git commit -q -m "$3") \
		>>"$D/log/$1.log" 2>&1 || die "git commit failed in $2"
}
size_gitlfs() { size_of "$1/.git/lfs/objects"; }
CREPO="$D/s/csv-mlv" LREPO="$D/s/csv-gitlfs"
rm -rf "$CREPO" "$LREPO"
csv_versions gitlfs "$LREPO"
lfs_s1=$csv_s1 lfs_growth=$((csv_s2 - csv_s1)) lfs_t1=$csv_t1 lfs_t2=$csv_t2
rm -rf "$LREPO"
csv_versions mlv "$CREPO"
mlv_s1=$csv_s1 mlv_growth=$((csv_s2 - csv_s1)) mlv_t1=$csv_t1 mlv_t2=$csv_t2
result csv_append_1pct_growth "$(pct "$mlv_growth" "$v2_raw")" "" \
	"mlv=+${mlv_growth}B of ${v2_raw}B git-lfs=+${lfs_growth}B=$(pct "$lfs_growth" "$v2_raw")" \
	"$(calc "$mlv_growth / $v2_raw")" "<=" 0.03
info csv_track_seconds "one run each, v1 / re-track after append: mlv=${mlv_t1}/${mlv_t2} git-lfs=${lfs_t1}/${lfs_t2}; stored v1: mlv=$(pct "$mlv_s1" "$v1_raw") git-lfs=$(pct "$lfs_s1" "$v1_raw")"

# Checkout, per round (the order of the mlv group and the cp group alternates):
#   co_v2_restore  pointer at v2 (HEAD), data.csv deleted, `mlv checkout data.csv`
#   co_v1_switch   `git checkout HEAD~1 -- data.csv.mlv`, data.csv is v2, `mlv checkout data.csv`
#   co_v2_switch   `git checkout HEAD -- data.csv.mlv`, data.csv is v1, `mlv checkout data.csv`
#   cp_v1, cp_v2   `cp vN.csv NEW && sync` (NEW deleted before): the peer of the restore
#   cp_v1_over, cp_v2_over  `cp vN.csv OLD && sync`, OLD holding the other version: the
#                  peer of the switches, which also replace a file (freeing its blocks
#                  costs ~50 ms for this one on a file system mounted with discard)
# Every one: caches dropped (when allowed) before, `sync` inside the timing.
checkout_mlv() { cd "$1" && "$MLV" checkout -q data.csv && sync; }
export -f checkout_mlv
set_pointer() { (cd "$CREPO" && git checkout -q "$1" -- data.csv.mlv) || die "git checkout $1 failed"; }
mlv_group() {
	set_pointer HEAD
	rm -f "$CREPO/data.csv"
	sleep 0.2
	t=$(timed co-mlv checkout_mlv "$CREPO") || die "mlv checkout (restore v2) failed"
	echo "$t" >>"$D/t/co.v2_restore"
	cmp -s "$CREPO/data.csv" "$V2" || die "mlv checkout did not restore v2"
	set_pointer HEAD~1
	sleep 0.2
	t=$(timed co-mlv checkout_mlv "$CREPO") || die "mlv checkout (switch to v1) failed"
	echo "$t" >>"$D/t/co.v1_switch"
	cmp -s "$CREPO/data.csv" "$V1" || die "mlv checkout did not write v1"
	set_pointer HEAD
	sleep 0.2
	t=$(timed co-mlv checkout_mlv "$CREPO") || die "mlv checkout (switch to v2) failed"
	echo "$t" >>"$D/t/co.v2_switch"
	cmp -s "$CREPO/data.csv" "$V2" || die "mlv checkout did not write v2"
}
cp_group() {
	local v
	for v in 1 2; do
		rm -rf "$D/s/co-cp" && mkdir -p "$D/s/co-cp"
		if [ $v = 1 ]; then src=$V1; else src=$V2; fi
		t=$(timed co-cp add_cp "$D/s/co-cp" "$src") || die "cp failed"
		echo "$t" >>"$D/t/co.cp_v$v"
		# the other version in place, as for mlv's switch
		if [ $v = 1 ]; then old=$V2; else old=$V1; fi
		rm -rf "$D/s/co-cp" && mkdir -p "$D/s/co-cp" && cp "$old" "$D/s/co-cp/$(basename "$src")" || die "cp failed"
		t=$(timed co-cp add_cp "$D/s/co-cp" "$src") || die "cp failed"
		cmp -s "$D/s/co-cp/$(basename "$src")" "$src" || die "cp over the other version did not write it"
		echo "$t" >>"$D/t/co.cp_v${v}_over"
	done
	rm -rf "$D/s/co-cp"
}
for ((r = 0; r < BENCH_RUNS; r++)); do
	if [ $((r % 2)) = 0 ]; then mlv_group; cp_group; else cp_group; mlv_group; fi
	say "  round $((r + 1)) restore-v2 $(tail -n 1 "$D/t/co.v2_restore")s v1-switch $(tail -n 1 "$D/t/co.v1_switch")s" \
		"v2-switch $(tail -n 1 "$D/t/co.v2_switch")s cp-v1 $(tail -n 1 "$D/t/co.cp_v1")s cp-v2 $(tail -n 1 "$D/t/co.cp_v2")s" \
		"cp-v1-over-v2 $(tail -n 1 "$D/t/co.cp_v1_over")s cp-v2-over-v1 $(tail -n 1 "$D/t/co.cp_v2_over")s"
done
for x in v2_restore v1_switch v2_switch cp_v1 cp_v2 cp_v1_over cp_v2_over; do eval "co_$x=\$(median <\"\$D/t/co.\$x\")"; done
result checkout_v2_restore "$(fmt_s "$co_v2_restore")" "" "cp-v2+sync=$(fmt_s "$co_cp_v2") (data.csv deleted; cp to a new file)" \
	"$(fmt_x "$co_v2_restore / $co_cp_v2")" "<=" 1.5
result checkout_v1_switch "$(fmt_s "$co_v1_switch")" "" "cp-v1+sync=$(fmt_s "$co_cp_v1_over") (v2 in place; cp over v2)" \
	"$(fmt_x "$co_v1_switch / $co_cp_v1_over")" "<=" 1.5
result checkout_v2_switch "$(fmt_s "$co_v2_switch")" "" "cp-v2+sync=$(fmt_s "$co_cp_v2_over") (v1 in place; cp over v1)" \
	"$(fmt_x "$co_v2_switch / $co_cp_v2_over")" "<=" 1.5
info checkout_spread "min-max seconds: restore-v2=$(spread <"$D/t/co.v2_restore") v1-switch=$(spread <"$D/t/co.v1_switch") v2-switch=$(spread <"$D/t/co.v2_switch") cp-v1=$(spread <"$D/t/co.cp_v1") cp-v2=$(spread <"$D/t/co.cp_v2") cp-v1-over-v2=$(spread <"$D/t/co.cp_v1_over") cp-v2-over-v1=$(spread <"$D/t/co.cp_v2_over")"
info machine_load "$L1; $L2; $L3; $L4; at the end load1=$(load1)"

echo
echo "total time: $(($(date +%s) - T0)) s (plus ${LOAD_WAITED} s waiting for a quiet machine)"
print_tsv
