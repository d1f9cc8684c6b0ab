#!/bin/bash
# Why the average chunk is 64 KiB: builds mlv with averages of 32, 64 and
# 128 KiB (MLV_CHUNK_BITS 15, 16, 17) and, for each, measures on the same
# data what the chunk size trades: how much an edit or an append costs in
# the store, how well the CSV compresses (zstd per chunk), how many index
# entries a GiB needs, and how fast a large file is stored (warm cache).
# Usage: bench/chunksize.sh   (BENCH_DIR, BENCH_RUNS as in lib.sh)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
need_tools cc cmake
bench_setup
runs=${BENCH_RUNS:-3}
src=$(cd "$here/.." && pwd)

gen="$GEN"
"$gen" csv "$BENCH_DIR/v1.csv" 1000000 1
"$gen" csv "$BENCH_DIR/v2.csv" 1010000 1
"$gen" csv "$BENCH_DIR/v3.csv" 1000000 1 100 7
"$gen" rand "$BENCH_DIR/big.bin" 536870912 3
raw=$(fsize "$BENCH_DIR/v1.csv")

printf '%-6s %10s %10s %10s %12s %14s\n' avg csv-size append edit-100 chunks/GiB store-512MiB
for bits in 15 16 17; do
	b="$BENCH_DIR/build-$bits"
	cmake -S "$src" -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMLV_CHUNK_BITS=$bits >/dev/null
	cmake --build "$b" -j "$(nproc)" --target mlv >/dev/null
	m="$b/mlv"
	st="$BENCH_DIR/store-$bits"
	rm -rf "$st" && mkdir "$st"
	(cd "$st" && "$m" init -q && "$m" hash-object -w "$BENCH_DIR/v1.csv" >/dev/null)
	s1=$(size_of "$st/.mlv/objects")
	(cd "$st" && "$m" hash-object -w "$BENCH_DIR/v2.csv" >/dev/null)
	s2=$(size_of "$st/.mlv/objects")
	(cd "$st" && "$m" hash-object -w "$BENCH_DIR/v3.csv" >/dev/null)
	s3=$(size_of "$st/.mlv/objects")
	# chunks per GiB, from fsck's count on a store holding only the random file
	rs="$BENCH_DIR/rand-$bits"
	rm -rf "$rs" && mkdir "$rs"
	(cd "$rs" && "$m" init -q && "$m" hash-object -w "$BENCH_DIR/big.bin" >/dev/null)
	nchunks=$(cd "$rs" && "$m" fsck 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) chunks.*/\1/p')
	warm "$BENCH_DIR/big.bin"
	times=""
	for i in $(seq "$runs"); do
		rm -rf "$rs" && mkdir "$rs" && (cd "$rs" && "$m" init -q)
		(cd "$rs" && "$gen" time -o "$BENCH_DIR/t" "$m" hash-object -w "$BENCH_DIR/big.bin" >/dev/null)
		t=$(cat "$BENCH_DIR/t")
		times="$times $t"
	done
	tmed=$(printf '%s\n' $times | median)
	printf '%-6s %9.2f%% %9.2f%% %9.2f%% %12d %13.3fs\n' "$((1 << (bits - 10)))K" \
		"$(calc "100 * $s1 / $raw")" "$(calc "100 * ($s2 - $s1) / $raw")" "$(calc "100 * ($s3 - $s2) / $raw")" \
		"$((nchunks * 2))" "$tmed"
done
