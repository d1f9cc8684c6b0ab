#!/usr/bin/env bats
# mlv fsck: a clean store passes; damage is found, named and reported in the
# exit status; --rebuild-index recovers a lost index.

load helper
load plumbing

@test "fsck: an empty store is clean" {
	store_init
	run --separate-stderr mlv fsck
	assert_status 0
	assert_eq "$output" ""
	assert_eq "$stderr" "checked 0 packs, 0 chunks, 0 objects: no problems"
}

@test "fsck: a store with objects is clean, and the counts add up" {
	store_init
	printf 'a' >a
	printf 'b' >b
	mlv hash-object -w a >/dev/null
	mlv hash-object -w b >/dev/null
	run --separate-stderr mlv fsck
	assert_status 0
	assert_eq "$output" ""
	assert_eq "$stderr" "checked 2 packs, 2 chunks, 2 objects: no problems"
	run --separate-stderr mlv fsck --full
	assert_status 0
	assert_eq "$output" ""
}

@test "fsck --json: counts, problems, ok" {
	store_init
	printf 'a' >a
	mlv hash-object -w a >/dev/null
	run --separate-stderr mlv fsck --json
	assert_status 0
	assert_eq "$(jq -c '{schema,packs,chunks,objects,problems,ok}' <<<"$output")" \
		'{"schema":"mlv.fsck/1","packs":1,"chunks":1,"objects":1,"problems":[],"ok":true}'
	assert_eq "$stderr" ""
}

@test "fsck: a flipped byte in a chunk is found and names the object" {
	store_init
	noise 200000 >data
	id=$(mlv hash-object -w data)
	pack=$(the_pack)
	cp "$pack" pack.orig
	flip_byte "$pack" 100000
	run --separate-stderr mlv fsck
	assert_status 1
	[[ "$output" == *"$id"* ]] || { echo "no line names $id: $output" >&2; return 1; }
	# Every line is "<kind> <id or -> <message>".
	while IFS= read -r line; do
		[[ "$line" =~ ^(corrupt-chunk|missing-chunk|corrupt-object|missing-object|bad-pack|index-mismatch|bad-tree|unindexed-pack)\ ([0-9a-f]{64}|-)\ .+$ ]] ||
			{ echo "bad line: $line" >&2; return 1; }
	done <<<"$output"
	[[ "$stderr" == "checked 1 packs, "*" problem"* ]]
	run --separate-stderr mlv fsck --json
	assert_status 1
	assert_eq "$(jq -r .ok <<<"$output")" false
	[ "$(jq '.problems | length' <<<"$output")" -ge 1 ]
	jq -e --arg id "$id" '[.problems[] | select(.oid == $id)] | length >= 1' <<<"$output" >/dev/null
	# fsck only reads: the pack is as damaged as before, no more.
	assert_eq "$(cmp -l pack.orig "$pack" | wc -l)" 1
}

@test "fsck: a truncated pack is found" {
	store_init
	noise 200000 >data
	mlv hash-object -w data >/dev/null
	pack=$(the_pack)
	truncate -s 120000 "$pack"
	run --separate-stderr mlv fsck
	assert_status 1
	[ -n "$output" ]
	run --separate-stderr mlv fsck --json
	assert_status 1
	assert_eq "$(jq -r .ok <<<"$output")" false
}

@test "fsck --rebuild-index: a lost index is rebuilt from the packs" {
	store_init
	noise 100000 >data
	printf 'small' >small
	id=$(mlv hash-object -w data)
	small=$(mlv hash-object -w small)
	rm -rf .mlv/index
	mkdir .mlv/index
	run --separate-stderr mlv fsck --rebuild-index
	assert_status 0
	assert_eq "$output" ""
	[[ "$stderr" == "rebuilt index: 2 objects, "* ]]
	mlv cat-object blob "$id" | cmp - data
	assert_eq "$(mlv cat-object blob "$small")" small
	assert_fsck_clean
	run --separate-stderr mlv fsck --rebuild-index --json
	assert_status 0
	assert_eq "$(jq -c .rebuilt.objects <<<"$output")" 2
}

@test "fsck: outside a store" {
	run --separate-stderr mlv fsck
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: not in a mlv store (or any parent directory); run 'mlv init' first"
}

@test "fsck: usage errors exit 129" {
	store_init
	run --separate-stderr mlv fsck extra
	assert_status 129
	[[ "$stderr" == *"mlv fsck [--full] [--rebuild-index] [--json]"* ]]
	run --separate-stderr mlv fsck -h
	assert_status 129
	run --separate-stderr mlv fsck --bogus
	assert_status 129
}
