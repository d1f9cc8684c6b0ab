#!/usr/bin/env bats
# mlv ls-tree: the entries of a tree, recursively with -r, as JSON.

load helper
load plumbing

make_tree() {
	store_init
	mkdir -p d/sub/deeper
	printf 'aaa' >d/a.txt
	printf 'bbbbb' >d/sub/b.txt
	printf 'cc' >d/sub/deeper/c.txt
	: >d/empty
	TREE=$(mlv hash-object -w d)
	SUB=$(mlv ls-tree --json "$TREE" | jq -r '.entries[] | select(.path=="sub") | .oid')
}

@test "ls-tree: one line per entry, sorted, directory sizes are totals" {
	make_tree
	run --separate-stderr mlv ls-tree "$TREE"
	assert_status 0
	assert_eq "$output" "$(printf '%s\n' \
		"100644 blob $(sha d/a.txt)	3	a.txt" \
		"100644 blob $EMPTY_OID	0	empty" \
		"040000 tree $SUB	7	sub")"
	assert_eq "$stderr" ""
	# cat-object -p prints a tree the same way.
	assert_eq "$(mlv cat-object -p "$TREE")" "$output"
}

@test "ls-tree -r: every file with its path" {
	make_tree
	run --separate-stderr mlv ls-tree -r "${TREE:0:6}"
	assert_status 0
	assert_eq "$output" "$(printf '%s\n' \
		"100644 blob $(sha d/a.txt)	3	a.txt" \
		"100644 blob $EMPTY_OID	0	empty" \
		"100644 blob $(sha d/sub/b.txt)	5	sub/b.txt" \
		"100644 blob $(sha d/sub/deeper/c.txt)	2	sub/deeper/c.txt")"
}

@test "ls-tree --json: schema, tree and entries" {
	make_tree
	run --separate-stderr mlv ls-tree --json "$TREE"
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" mlv.ls-tree/1
	assert_eq "$(jq -r .tree <<<"$output")" "$TREE"
	assert_eq "$(jq -c '.entries[0]' <<<"$output")" \
		"{\"path\":\"a.txt\",\"mode\":\"100644\",\"type\":\"blob\",\"oid\":\"$(sha d/a.txt)\",\"size\":3}"
	assert_eq "$(jq -c '.entries[2]' <<<"$output")" \
		"{\"path\":\"sub\",\"mode\":\"040000\",\"type\":\"tree\",\"oid\":\"$SUB\",\"size\":7}"
	run --separate-stderr mlv ls-tree -r --json "$TREE"
	assert_status 0
	assert_eq "$(jq -r '[.entries[].path] | join(",")' <<<"$output")" \
		"a.txt,empty,sub/b.txt,sub/deeper/c.txt"
}

@test "ls-tree: an empty directory is an empty tree" {
	store_init
	mkdir empty
	tree=$(mlv hash-object -w empty)
	assert_eq "$tree" "$EMPTY_OID"
	assert_eq "$(mlv cat-object -t "$tree")" tree
	run --separate-stderr mlv ls-tree "$tree"
	assert_status 0
	assert_eq "$output" ""
	run --separate-stderr mlv ls-tree --json "$tree"
	assert_eq "$output" "{\"schema\":\"mlv.ls-tree/1\",\"tree\":\"$EMPTY_OID\",\"entries\":[]}"
}

# The id is the SHA-256 of the bytes whatever the type, so no bytes are both
# the empty blob and the empty tree: an empty file must still be storable
# after an empty directory was, and the other way round.
@test "ls-tree: an empty directory and an empty file can both be stored" {
	store_init
	mkdir emptydir
	: >emptyfile
	mlv hash-object -w emptydir
	run --separate-stderr mlv hash-object -w emptyfile
	assert_status 0
	assert_eq "$output" "$EMPTY_OID"
	mkdir -p d/sub
	: >d/sub/empty
	mkdir d/nothing
	run --separate-stderr mlv hash-object -w d
	assert_status 0
	assert_fsck_clean
}

@test "ls-tree: a write error on stdout exits 128" {
	store_init
	mkdir d
	printf x >d/f
	tree=$(mlv hash-object -w d)
	run --separate-stderr bash -c "mlv ls-tree $tree >/dev/full"
	assert_status 128
	assert_eq "$stderr" "mlv: error: write error on standard output: no space left on device"
}

@test "ls-tree: a name with a tab or a quote is quoted" {
	store_init
	mkdir d
	printf 'x' >"d/tab	name"
	printf 'y' >'d/say"hi"'
	tree=$(mlv hash-object -w d) || skip "the store refuses such names"
	run --separate-stderr mlv ls-tree "$tree"
	assert_status 0
	assert_eq "$output" "$(printf '%s\n' \
		"100644 blob $(sha 'd/say"hi"')	1	\"say\\\"hi\\\"\"" \
		"100644 blob $(sha "d/tab	name")	1	\"tab\\tname\"")"
	# JSON carries the name itself.
	assert_eq "$(mlv ls-tree --json "$tree" | jq -r '.entries[1].path')" "tab	name"
}

@test "ls-tree: a blob is not a tree" {
	store_init
	printf 'x' >f
	id=$(mlv hash-object -w f)
	run --separate-stderr mlv ls-tree "$id"
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: object $id is a blob, not a tree"
}

@test "ls-tree: bad ids" {
	make_tree
	run --separate-stderr mlv ls-tree nothex
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: "*nothex* ]]
	run --separate-stderr mlv ls-tree abc
	assert_status 128
	run --separate-stderr mlv ls-tree "$(printf 'absent' | sha256sum | cut -d' ' -f1)"
	assert_status 128
	assert_eq "$output" ""
}

@test "ls-tree: a damaged subtree fails with nothing on stdout" {
	store_init
	mkdir -p d/sub
	printf 'x' >d/sub/f
	tree=$(mlv hash-object -w d)
	pack=$(the_pack)
	# Damage every copy of the subtree's serialized bytes ("100644 1 f\0").
	off=$(grep -obUaP '100644 1 f\x00' "$pack" | head -1 | cut -d: -f1)
	[ -n "$off" ] || skip "the tree is not stored uncompressed in the pack"
	flip_byte "$pack" $((off + 9))
	run --separate-stderr mlv ls-tree -r "$tree"
	assert_status 128
	assert_eq "$output" ""
	run mlv fsck
	assert_status 1
}

@test "ls-tree: outside a store" {
	run --separate-stderr mlv ls-tree "$EMPTY_OID"
	assert_status 128
	assert_eq "$stderr" "mlv: error: not in a mlv store (or any parent directory); run 'mlv init' first"
}

@test "ls-tree: usage errors exit 129" {
	make_tree
	run --separate-stderr mlv ls-tree
	assert_status 129
	[[ "$stderr" == *"mlv ls-tree [-r] [--json] <id>"* ]]
	run --separate-stderr mlv ls-tree "$TREE" "$TREE"
	assert_status 129
	run --separate-stderr mlv ls-tree -h
	assert_status 129
	run --separate-stderr mlv ls-tree --bogus "$TREE"
	assert_status 129
}
