#!/usr/bin/env bats
# Corruption corpus: for every kind of stored thing (chunk, tree, metadata
# record, version record, registry event, the pack header, an index entry, a
# pointer file) flip a byte, truncate, delete, and swap two objects'
# contents. fsck must detect every case; cat-object, ls-tree, checkout, get
# and resolve must refuse rather than return wrong bytes. Each test prints
# how many cases it made and how many were detected.

load helper
load plumbing
load data
load registry

# The pristine store, built once per test in $TEST_ROOT/pristine: each kind of
# thing in a pack of its own, the pack's name in $TEST_ROOT/pristine/packs.
setup() {
	mlv_setup
	mkdir "$TEST_ROOT/pristine" && cd "$TEST_ROOT/pristine" || return 1
	reg_init >/dev/null
	printf '/model.bin\n/r.json\n/saved\n/packs\n/ids\n' >>.git/info/exclude
	noise 300000 >big
	mkdir d && printf 'a\n' >d/a && printf 'b\n' >d/b
	printf '{"kind":"metrics","auc":0.9}\n' >r.json
	step chunk mlv track -q big
	step files mlv hash-object -w d/a d/b
	step tree mlv track -q d
	step record mlv hash-object -w -t json r.json
	step artifact reg_model churn one
	mlv promote churn@1 production >/dev/null
	step event mlv promote churn@1 staging
	mkdir saved && cp -a big d saved/
	{
		echo "big $(oid_in big.mlv)"
		echo "tree $(oid_in d.mlv)"
		echo "record $(sha r.json)"
	} >ids
	chmod -R u+w .mlv/objects/pack
	cd "$TEST_ROOT/work" || return 1
}

# step KIND CMD...: run CMD and note the pack it wrote as KIND's.
step() {
	local kind=$1 before
	shift
	before=$(pack_files)
	"$@" >/dev/null
	comm -13 <(printf '%s\n' "$before") <(pack_files) | sed "s|^|$kind |" >>packs
}

pack_of() { awk -v k="$1" '$1 == k { print $2; exit }' "$TEST_ROOT/pristine/packs"; }
id_of() { awk -v k="$1" '$1 == k { print $2 }' "$TEST_ROOT/pristine/ids"; }

# A fresh copy of the pristine store as the current directory.
fresh() {
	cd "$TEST_ROOT" && rm -rf w && cp -a pristine w && cd w
}

# damage OP FILE [OTHER]: flip-start, flip-mid, flip-end (a byte near the
# start of the first entry's payload, in the middle, the last byte), header
# (a byte of the pack's magic), truncate (to half), delete, swap (FILE and
# OTHER trade contents).
damage() {
	local size
	size=$(stat -c %s "$2")
	case "$1" in
	header) flip_byte "$2" 3 ;;
	entry-header) flip_byte "$2" 20 ;;
	flip-start) flip_byte "$2" 70 ;;
	flip-mid) flip_byte "$2" $((size / 2)) ;;
	flip-end) flip_byte "$2" $((size - 1)) ;;
	truncate) truncate -s $((size / 2)) "$2" ;;
	truncate-1) truncate -s $((size - 1)) "$2" ;;
	delete) rm -f "$2" ;;
	swap) mv "$2" tmp-swap && mv "$3" "$2" && mv tmp-swap "$3" ;;
	esac
}

OPS="header entry-header flip-start flip-mid flip-end truncate truncate-1 delete swap"

# fsck --full finds a problem (exit 1, or 128 when it cannot even read the
# store), never a clean store.
fsck_detects() {
	local st=0
	mlv fsck --full >fsck.out 2>&1 || st=$?
	[ "$st" -ne 0 ] && [ "$st" -ne 129 ]
}

# refuses_or_right EXPECTED-FILE CMD...: CMD fails with 128 and prints no
# byte that is not the expected one (a prefix of it at most), or succeeds
# with exactly the expected bytes.
refuses_or_right() {
	local want=$1 st=0 n
	shift
	"$@" >got 2>got.err || st=$?
	if [ "$st" -eq 0 ]; then
		cmp -s got "$want" || { echo "$* returned wrong bytes" >&2; return 1; }
		return 0
	fi
	[ "$st" -eq 128 ] || { echo "$*: exit $st: $(cat got.err)" >&2; return 1; }
	n=$(stat -c %s got)
	cmp -s -n "$n" got "$want" || { echo "$* printed wrong bytes before failing" >&2; return 1; }
	grep -q '^mlv: error: ' got.err || { echo "$*: no error line" >&2; return 1; }
}

# the work-tree file(s) CHECK-PATH after a checkout: absent or as saved
file_intact() {
	[ ! -e "$1" ] || cmp -s "$1" "saved/$1" || { echo "$1 holds wrong bytes" >&2; return 1; }
}

report() {
	echo "# $1: $2 of $3 cases detected by ${4:-fsck}, every reader refused or returned the right bytes" >&3
	[ "$2" -eq "$3" ]
}

@test "corruption: chunks of a file (flip, truncate, delete, swap): fsck detects all, readers refuse" {
	local cases=0 found=0 op
	for op in $OPS; do
		fresh
		damage "$op" "$(pack_of chunk)" "$(pack_of artifact)"
		cases=$((cases + 1))
		fsck_detects && found=$((found + 1)) || echo "not detected: chunk $op" >&2
		refuses_or_right saved/big mlv cat-object blob "$(id_of big)"
		rm -f big
		run --separate-stderr mlv checkout -f big
		[ "$status" -eq 128 ] || [ "$op" = header ] || { echo "chunk $op: checkout exit $status" >&2; return 1; }
		file_intact big
	done
	report "chunk" "$found" "$cases"
}

@test "corruption: a tree (flip, truncate, delete, swap): fsck detects all, ls-tree and checkout refuse" {
	local cases=0 found=0 op
	for op in $OPS; do
		fresh
		damage "$op" "$(pack_of tree)" "$(pack_of record)"
		cases=$((cases + 1))
		fsck_detects && found=$((found + 1)) || echo "not detected: tree $op" >&2
		(cd ../pristine && mlv ls-tree "$(id_of tree)") >want
		refuses_or_right want mlv ls-tree "$(id_of tree)"
		rm -rf d
		run --separate-stderr mlv checkout -f d
		if [ "$status" -eq 0 ]; then
			diff -r d saved/d
		else
			[ "$status" -eq 128 ] || { echo "tree $op: checkout exit $status" >&2; return 1; }
			file_intact d/a && file_intact d/b
		fi
	done
	report "tree" "$found" "$cases"
}

@test "corruption: a metadata record (flip, truncate, delete, swap): fsck detects all, cat-object refuses" {
	local cases=0 found=0 op
	for op in $OPS; do
		fresh
		damage "$op" "$(pack_of record)" "$(pack_of tree)"
		cases=$((cases + 1))
		fsck_detects && found=$((found + 1)) || echo "not detected: record $op" >&2
		refuses_or_right r.json mlv cat-object json "$(id_of record)"
	done
	report "metadata record" "$found" "$cases"
}

@test "corruption: a version record with its event, and a promote event: fsck detects all, resolve and get refuse" {
	local cases=0 found=0 op kind
	(cd ../pristine && mlv resolve churn@production) >"$TEST_ROOT/want.resolve"
	(cd ../pristine && mlv resolve churn@staging) >"$TEST_ROOT/want.staging"
	printf 'one\n' >"$TEST_ROOT/want.model"
	for kind in artifact event; do
		for op in $OPS; do
			fresh
			damage "$op" "$(pack_of $kind)" "$(pack_of record)"
			cases=$((cases + 1))
			fsck_detects && found=$((found + 1)) || echo "not detected: $kind $op" >&2
			refuses_or_right ../want.resolve mlv resolve churn@production
			refuses_or_right ../want.staging mlv resolve churn@staging
			refuses_or_right ../want.model mlv get churn@1
			refuses_or_right ../want.model mlv get churn@staging
		done
	done
	report "registry (version record, events)" "$found" "$cases"
}

# flip_index_at DELTA: flip the byte DELTA bytes after every copy of the
# 32-byte id of big in the index (negative: in the key before it).
flip_index_at() {
	local pat off
	pat=$(printf '%s' "$(id_of big)" | sed 's/../\\x&/g')
	for off in $(grep -obUaP "$pat" .mlv/index/data.mdb | cut -d: -f1); do
		flip_byte .mlv/index/data.mdb $((off + $1))
	done
}

@test "corruption: an index entry (its key, every byte of its value, the pack it names, the whole index): fsck detects all" {
	local cases=0 found=0 off what
	# the key, and the 32 bytes of the value before its modification time
	# (which only dates the object for gc's grace period)
	for what in key $(seq 32 63) packname delete; do
		fresh
		case "$what" in
		key) flip_index_at 7 ;;
		packname)
			for off in $(grep -obUa "$(basename "$(pack_of chunk)")" .mlv/index/data.mdb | cut -d: -f1); do
				flip_byte .mlv/index/data.mdb $((off + 9))
			done ;;
		delete) rm -f .mlv/index/data.mdb ;;
		*) flip_index_at "$what" ;;
		esac
		cases=$((cases + 1))
		fsck_detects && found=$((found + 1)) || echo "not detected: index $what: $(cat fsck.out)" >&2
		refuses_or_right saved/big mlv cat-object blob "$(id_of big)"
	done
	report "index entry" "$found" "$cases"
}

@test "corruption: LMDB's page structure (number, type, bounds, first node of every page): fsck refuses, never crashes" {
	# liblmdb trusts its pages: a flipped bound once made fsck die of SIGBUS
	# inside it. fsck now walks the file's B-trees first and names the page;
	# a page no tree reaches (a free one) may be damaged harmlessly.
	local cases=0 found=0 st pages p field
	fresh
	pages=$(( $(stat -c %s .mlv/index/data.mdb) / 4096 ))
	cp .mlv/index/data.mdb "$TEST_ROOT/data.mdb.good"
	for ((p = 2; p < pages; p++)); do
		for field in 0 10 13 15 17; do
			cp "$TEST_ROOT/data.mdb.good" .mlv/index/data.mdb
			flip_byte .mlv/index/data.mdb $((p * 4096 + field))
			cases=$((cases + 1))
			st=0
			mlv fsck >fsck.out 2>&1 || st=$?
			case $st in
			0) ;;
			1) found=$((found + 1)) ;;
			128)
				# found by the walk, or by liblmdb's own checks when the store is opened
				grep -Eq "^mlv: error: (the index file is damaged: page [0-9]+ .*\(try 'mlv fsck --rebuild-index'; see DAMAGED INDEX in mlv-fsck\(1\)\)|index [a-z]+ failed: .* \(try 'mlv fsck --rebuild-index'\))\$" fsck.out ||
					{ echo "page $p byte $field: $(cat fsck.out)" >&2; false; }
				found=$((found + 1)) ;;
			*) echo "page $p byte $field: fsck exit $st: $(cat fsck.out)" >&2; false ;;
			esac
		done
	done
	echo "# LMDB pages: $found of $cases flips in page headers detected, no crash (the rest are in pages no tree reaches)" >&3
	[ "$found" -gt 0 ]
	cp "$TEST_ROOT/data.mdb.good" .mlv/index/data.mdb
	run mlv fsck --full
	assert_status 0
}

@test "corruption: a pointer file (flip, truncate, delete, swap): status and checkout notice, never wrong bytes" {
	local cases=0 found=0 op
	for op in flip-start flip-mid flip-end truncate truncate-2 delete swap; do
		fresh
		rm -f big d/a d/b
		case "$op" in
		flip-start) flip_byte big.mlv 40 ;; # inside the id
		truncate-2) truncate -s -2 big.mlv ;; # the closing brace
		swap) cp big.mlv tmp && cp d.mlv big.mlv && mv tmp d.mlv ;;
		*) damage "$op" big.mlv ;;
		esac
		cases=$((cases + 1))
		run --separate-stderr mlv checkout -f
		if [ "$status" -ne 0 ] || [ "$op" = delete ]; then found=$((found + 1)); else
			echo "pointer $op: checkout succeeded: $output" >&2; fi
		file_intact big
		file_intact d/a
		file_intact d/b
		[ ! -f d ] && [ ! -f big/a ]
	done
	report "pointer file" "$found" "$cases" "checkout"
}
