#!/usr/bin/env bash
# bench/store.sh: mlv's object store against its peers, all measured in this
# run on data generated here. See bench/README.md for what each line means.
#
# Environment (besides lib.sh's BENCH_DIR, BENCH_RUNS, BENCH_BUILD, MLV,
# BENCH_TSV, BENCH_COLD):
#   BENCH_PEER_RUNS   repeats for git-lfs, restic and borg on the 1 GiB file
#                     (default 3; they are slow)
#   BENCH_BIG_MB      size of the incompressible file in MiB (default 1024)
#   BENCH_CSV_ROWS    rows of the CSV (default 1000000)
#   BENCH_STARTUP_RUNS  runs for the startup measurements (default 200)
#   BENCH_SEED        data seed (default 1)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PEER_RUNS=${BENCH_PEER_RUNS:-3}
[ "$PEER_RUNS" -ge 1 ] 2>/dev/null || PEER_RUNS=1
BIG_MB=${BENCH_BIG_MB:-1024}
CSV_ROWS=${BENCH_CSV_ROWS:-1000000}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-200}
SEED=${BENCH_SEED:-1}

need_tools git:git git-lfs:git-lfs restic:restic borg:borgbackup hyperfine:hyperfine \
	openssl:openssl zstd:zstd
# Disk: the big file, one store of it at a time, the CSVs and their stores.
bench_setup $((BIG_MB * 2 / 1024 + 3))
build_mlv
D=$BENCH_DIR
T0=$(date +%s)

# Peers keep their state under $D, away from the user's config and caches.
export RESTIC_PASSWORD=mlv-bench RESTIC_CACHE_DIR="$D/cache/restic"
export BORG_BASE_DIR="$D/cache/borg" BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes \
	BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
export MLV

echo "# mlv store benchmark — $(date -u +%Y-%m-%dT%H:%MZ)"
machine_info
echo "versions: $("$MLV" --version 2>&1 | head -n 1); $(git --version); $(git lfs version);" \
	"$(restic version | cut -d' ' -f1-2); $(borg --version); $(openssl version | cut -d' ' -f1-2);" \
	"$(zstd --version | sed 's/^\*\*\* //; s/, by.*//')"
echo "runs: $BENCH_RUNS for mlv, cp, hashing; $PEER_RUNS for git-lfs/restic/borg on the big file;" \
	"1 for the CSV sizes (deterministic); $STARTUP_RUNS for startup"
if [ "$CAN_DROP" = 1 ] && [ "$BENCH_COLD" = 1 ]; then
	echo "caches: sync + drop_caches before every timed store run (cold reads)"
else
	echo "caches: sync before every timed store run; page cache NOT dropped" \
		"(not root or BENCH_COLD=0): source files are read warm"
fi
echo

# ---- data ----
mkdir -p "$D/data" "$D/t" "$D/s"
say "bench: generating data in $D/data"
BIG="$D/data/big.bin"
V1="$D/data/v1.csv" V2="$D/data/v2-append.csv" VE="$D/data/v1-edit.csv"
"$GEN" rand "$BIG" $((BIG_MB * 1024 * 1024)) "$SEED" &
"$GEN" csv "$V1" "$CSV_ROWS" "$SEED" &
"$GEN" csv "$V2" $((CSV_ROWS + CSV_ROWS / 100)) "$SEED" &
"$GEN" csv "$VE" "$CSV_ROWS" "$SEED" 100 "$((SEED + 1))" &
wait
for f in "$BIG" "$V1" "$V2" "$VE"; do [ -s "$f" ] || die "data generation failed: $f"; done

# ---- the stores: prep_<tool> DIR makes an empty one, add_<tool> DIR FILE
# stores FILE into it (then sync), size_<tool> DIR prints its size ----
prep_cp() { mkdir -p "$1"; }
add_cp() { cp "$2" "$1/" && sync; }
size_cp() { size_of "$1"; }

prep_mlv() { mkdir -p "$1" && (cd "$1" && "$MLV" init >/dev/null); }
add_mlv() { cd "$1" && "$MLV" hash-object -w "$2" && sync; }
size_mlv() { size_of "$1/.mlv/objects"; }

# git-lfs stores files of its work tree: the file is hard-linked there
# (copied when that fails) as data.<ext> before add_gitlfs.
prep_gitlfs() {
	mkdir -p "$1" && cd "$1" && git init -q && git lfs install --local >/dev/null &&
		git lfs track '*.bin' '*.csv' >/dev/null && git add .gitattributes
}
place_gitlfs() { # DIR FILE: put FILE in the work tree
	local dst="$1/data.${2##*.}"
	rm -f "$dst" && { ln "$2" "$dst" 2>/dev/null || cp "$2" "$dst"; }
}
add_gitlfs() { cd "$1" && git add "data.${2##*.}" && sync; }
size_gitlfs() { size_of "$1/.git/lfs/objects"; }

prep_restic() { restic init -q -r "$1" >/dev/null; }
add_restic() { restic -r "$1" backup --no-cache -q "$2" && sync; }
size_restic() { size_of "$1"; }

prep_borg() { borg init -e none "$1"; }
add_borg() { borg create -C zstd,3 "$1::a$(date +%s%N)" "$2" && sync; }
size_borg() { size_of "$1"; }

export -f prep_cp add_cp size_cp prep_mlv add_mlv size_mlv prep_gitlfs place_gitlfs \
	add_gitlfs size_gitlfs prep_restic add_restic size_restic prep_borg add_borg size_borg \
	size_of

# store TOOL DIR FILE: store FILE, timed; prints seconds.
store() {
	local tool=$1 dir=$2 file=$3
	[ "$tool" = gitlfs ] && place_gitlfs "$dir" "$file"
	timeit "$D/log/$tool.log" bash -c 'add_'"$tool"' "$1" "$2"' _ "$dir" "$file"
}

fmt_s() { awk "BEGIN { printf \"%.3fs\", $1 }"; }
fmt_pct() { awk "BEGIN { printf \"%.2f%%\", 100 * $1 }"; }
fmt_x() { awk "BEGIN { printf \"%.2f\", $1 }"; }

# ---- 1. storing the incompressible file ----
say "bench: [1/4] storing ${BIG_MB} MiB incompressible (runs: $BENCH_RUNS; peers $PEER_RUNS)"
tools=(cp mlv gitlfs restic borg)
rounds=$BENCH_RUNS
[ "$PEER_RUNS" -gt "$rounds" ] && rounds=$PEER_RUNS
for ((r = 0; r < rounds; r++)); do
	n=${#tools[@]}
	for ((k = 0; k < n; k++)); do
		tool=${tools[$(((k + r) % n))]} # rotate the order every round
		case $tool in
		cp | mlv) [ "$r" -lt "$BENCH_RUNS" ] || continue ;;
		*) [ "$r" -lt "$PEER_RUNS" ] || continue ;;
		esac
		dir="$D/s/big-$tool"
		rm -rf "$dir"
		(prep_"$tool" "$dir") >>"$D/log/$tool.log" 2>&1 || die "$tool: cannot make a store (see $D/log/$tool.log)"
		warm "$BIG"
		[ "$BENCH_COLD" = 1 ] && drop_caches || sync
		t=$(store "$tool" "$dir" "$BIG") || die "$tool failed storing $BIG"
		echo "$t" >>"$D/t/big.$tool"
		say "  round $((r + 1)) $tool ${t}s"
		rm -rf "$dir"
	done
done
for tool in "${tools[@]}"; do
	eval "big_$tool=\$(median <\"\$D/t/big.\$tool\")"
done
result store_1g_incompressible "$(fmt_s "$big_mlv")" "" \
	"cp+sync=$(fmt_s "$big_cp") git-lfs=$(fmt_s "$big_gitlfs") restic=$(fmt_s "$big_restic") borg=$(fmt_s "$big_borg")" \
	"$(fmt_x "$big_mlv / $big_cp")" "<=" 1.5
info store_1g_peer_ratios "to the cp+sync floor: git-lfs=$(fmt_x "$big_gitlfs / $big_cp")x restic=$(fmt_x "$big_restic / $big_cp")x borg=$(fmt_x "$big_borg / $big_cp")x (medians of $BENCH_RUNS runs for mlv/cp, $PEER_RUNS for peers)"
info store_1g_spread "min-max seconds: mlv=$(spread <"$D/t/big.mlv") cp+sync=$(spread <"$D/t/big.cp") git-lfs=$(spread <"$D/t/big.gitlfs") restic=$(spread <"$D/t/big.restic") borg=$(spread <"$D/t/big.borg")"

# ---- 2. the CSV: stored size, and growth for the appended / edited versions ----
say "bench: [2/4] CSV stored size and growth"
csv_raw=$(fsize "$V1") v2_raw=$(fsize "$V2") ve_raw=$(fsize "$VE")
zstd_v1=$(zstd -3 -q -c "$V1" | wc -c)
# Two stores per tool, each made fresh and given v1 first: one then gets the
# appended version, the other the edited one.
for tool in mlv gitlfs restic borg; do
	a="$D/s/csv-$tool-a" b="$D/s/csv-$tool-e"
	rm -rf "$a" "$b"
	for x in "$a" "$b"; do
		(prep_"$tool" "$x") >>"$D/log/$tool.log" 2>&1 || die "$tool: cannot make a store"
	done
	sync
	t1=$(store "$tool" "$a" "$V1") || die "$tool failed storing $V1"
	s1=$(size_"$tool" "$a")
	[ "$tool" = mlv ] && mlv_whole_v1=$(size_of "$a/.mlv") # objects + index
	t2=$(store "$tool" "$a" "$V2") || die "$tool failed storing $V2"
	s2=$(size_"$tool" "$a")
	store "$tool" "$b" "$V1" >/dev/null || die "$tool failed storing $V1"
	s1b=$(size_"$tool" "$b")
	t3=$(store "$tool" "$b" "$VE") || die "$tool failed storing $VE"
	s3=$(size_"$tool" "$b")
	eval "csv_size_$tool=$s1 csv_app_$tool=$((s2 - s1)) csv_edit_$tool=$((s3 - s1b))"
	eval "csv_t1_$tool=$t1 csv_t2_$tool=$t2 csv_t3_$tool=$t3"
	if [ "$tool" = mlv ]; then
		MLV_STORE=$b
	else
		rm -rf "$b"
	fi
	rm -rf "$a"
	say "  $tool: v1 $s1 B (${t1}s), +append $((s2 - s1)) B (${t2}s), +edit $((s3 - s1b)) B (${t3}s)"
done
pct() { awk "BEGIN { printf \"%.2f%%\", 100 * $1 / $2 }"; }
result csv_stored_size "$(pct "$csv_size_mlv" "$csv_raw")" "" \
	"raw=${csv_raw}B mlv=${csv_size_mlv}B restic=$(pct "$csv_size_restic" "$csv_raw") borg=$(pct "$csv_size_borg" "$csv_raw") git-lfs=$(pct "$csv_size_gitlfs" "$csv_raw") zstd-3-whole-file=$(pct "$zstd_v1" "$csv_raw")" \
	"$(calc "$csv_size_mlv / $csv_raw")" "<=" 0.45
result csv_append_1pct_growth "$(pct "$csv_app_mlv" "$v2_raw")" "" \
	"mlv=+${csv_app_mlv}B of ${v2_raw}B git-lfs=$(pct "$csv_app_gitlfs" "$v2_raw") restic=$(pct "$csv_app_restic" "$v2_raw") borg=$(pct "$csv_app_borg" "$v2_raw")" \
	"$(calc "$csv_app_mlv / $v2_raw")" "<=" 0.03
result csv_edit_100rows_growth "$(pct "$csv_edit_mlv" "$ve_raw")" "" \
	"mlv=+${csv_edit_mlv}B of ${ve_raw}B git-lfs=$(pct "$csv_edit_gitlfs" "$ve_raw") restic=$(pct "$csv_edit_restic" "$ve_raw") borg=$(pct "$csv_edit_borg" "$ve_raw")" \
	"$(calc "$csv_edit_mlv / $ve_raw")" "<=" 0.05
info csv_store_seconds "one run each, v1 / +append / +edit: mlv=${csv_t1_mlv}/${csv_t2_mlv}/${csv_t3_mlv} git-lfs=${csv_t1_gitlfs}/${csv_t2_gitlfs}/${csv_t3_gitlfs} restic=${csv_t1_restic}/${csv_t2_restic}/${csv_t3_restic} borg=${csv_t1_borg}/${csv_t2_borg}/${csv_t3_borg}"
info csv_mlv_whole_store "whole .mlv (objects + index) holding v1: ${mlv_whole_v1}B ($(pct "$mlv_whole_v1" "$csv_raw") of raw)"

# ---- 3. hashing without storing, warm cache ----
say "bench: [3/4] hash-object vs openssl dgst -sha256 (warm, runs: $BENCH_RUNS)"
warm "$BIG"
want=$(openssl dgst -sha256 -r "$BIG" | cut -d' ' -f1)
got=$(cd "$MLV_STORE" && "$MLV" hash-object "$BIG" 2>"$D/log/hash.err" | tail -n 1) || true
case "$got" in
*"$want"*) hash_ok="id matches openssl's SHA-256" ;;
*) hash_ok="WARNING: mlv printed '$got', SHA-256 is $want" ;;
esac
for ((r = 0; r < BENCH_RUNS; r++)); do
	if [ $((r % 2)) = 0 ]; then order="mlv openssl sha256sum"; else order="sha256sum openssl mlv"; fi
	for tool in $order; do
		case $tool in
		mlv) t=$(cd "$MLV_STORE" && timeit "$D/log/hash.log" "$MLV" hash-object "$BIG") ;;
		openssl) t=$(timeit "$D/log/hash.log" openssl dgst -sha256 "$BIG") ;;
		sha256sum) t=$(timeit "$D/log/hash.log" sha256sum "$BIG") ;;
		esac || die "$tool hashing failed"
		echo "$t" >>"$D/t/hash.$tool"
	done
done
hash_mlv=$(median <"$D/t/hash.mlv") hash_openssl=$(median <"$D/t/hash.openssl") hash_sha256sum=$(median <"$D/t/hash.sha256sum")
result hash_1g_warm "$(fmt_s "$hash_mlv")" "" \
	"openssl=$(fmt_s "$hash_openssl") sha256sum=$(fmt_s "$hash_sha256sum") ($hash_ok)" \
	"$(fmt_x "$hash_mlv / $hash_openssl")" "<=" 1.2
info hash_1g_spread "min-max seconds: mlv=$(spread <"$D/t/hash.mlv") openssl=$(spread <"$D/t/hash.openssl") sha256sum=$(spread <"$D/t/hash.sha256sum")"

# ---- 4. startup ----
say "bench: [4/4] startup (runs: $STARTUP_RUNS)"
OID=$(cd "$MLV_STORE" && "$MLV" hash-object "$V1" | tail -n 1 | grep -oE '[0-9a-f]{64}' | head -n 1) || OID=
[ -n "$OID" ] || OID=$(openssl dgst -sha256 -r "$V1" | cut -d' ' -f1)
GREPO="$D/s/git-small"
git init -q "$GREPO"
GOID=$(cd "$GREPO" && echo hello | git hash-object -w --stdin)
# startup_ms DIR CMD...: median milliseconds over STARTUP_RUNS runs, run in DIR.
startup_ms() {
	local dir=$1 json="$D/log/hf.json" s
	shift
	if (cd "$dir" && hyperfine -N --warmup 5 --runs "$STARTUP_RUNS" --export-json "$json" \
		"$(printf '%q ' "$@")" >>"$D/log/startup.log" 2>&1); then
		s=$(sed -n 's/^ *"median": *\([0-9.eE+-]*\),*$/\1/p' "$json" | head -n 1)
	else # hyperfine refused (e.g. non-zero exit): time the loop ourselves
		s=$(cd "$dir" && "$GEN" time -n "$STARTUP_RUNS" -o "$D/log/st.t" "$@" >/dev/null 2>&1 &&
			cat "$D/log/st.t") || s=nan
	fi
	awk "BEGIN { printf \"%.3f\", 1000 * $s }"
}
st_ver=$(startup_ms "$MLV_STORE" "$MLV" --version)
st_cat=$(startup_ms "$MLV_STORE" "$MLV" cat-object -t "$OID")
st_gver=$(startup_ms "$GREPO" git --version)
st_gcat=$(startup_ms "$GREPO" git cat-file -t "$GOID")
result startup_version "${st_ver}" ms "git --version=${st_gver}ms (median of $STARTUP_RUNS, hyperfine -N)" \
	"$st_ver" "<=" 2
result startup_cat_object_t "${st_cat}" ms "git cat-file -t=${st_gcat}ms (median of $STARTUP_RUNS)" \
	"$st_cat" "<=" 2
echo "(startup lines: ratio is the absolute median in ms; target is 2 ms)"

echo
echo "total time: $(($(date +%s) - T0)) s"
print_tsv
