#!/usr/bin/env bats
# mlv cat-object: type, size and content of objects; ids and prefixes; a
# damaged object never reaches stdout.

load helper
load plumbing
load gitdata

setup_store() {
	store_init
	printf 'hello\n' >hello
	HELLO=$(mlv hash-object -w hello)
}

@test "cat-object: -t, -s and raw content of a blob" {
	setup_store
	assert_eq "$HELLO" "$(sha hello)"
	run --separate-stderr mlv cat-object -t "$HELLO"
	assert_status 0
	assert_eq "$output" blob
	run --separate-stderr mlv cat-object -s "$HELLO"
	assert_status 0
	assert_eq "$output" 6
	mlv cat-object blob "$HELLO" >out
	cmp out hello
	mlv cat-object -p "$HELLO" >out
	cmp out hello
}

@test "cat-object: binary content comes back byte for byte" {
	store_init
	noise 200000 >bin
	printf '\0\0\n\r\377' >>bin
	id=$(mlv hash-object -w bin)
	mlv cat-object blob "$id" >out
	cmp out bin
	assert_eq "$(sha out)" "$id"
}

@test "cat-object: a unique prefix and the sha256: form resolve" {
	setup_store
	assert_eq "$(mlv cat-object -t "${HELLO:0:4}")" blob
	assert_eq "$(mlv cat-object -s "sha256:$HELLO")" 6
	assert_eq "$(mlv cat-object -s "sha256:${HELLO:0:10}")" 6
	upper=$(tr a-f A-F <<<"$HELLO")
	assert_eq "$(mlv cat-object -s "$upper")" 6
}

@test "cat-object -p: a tree, one entry per line" {
	store_init
	mkdir -p d/sub
	printf 'aaa' >d/a.txt
	printf '#!/bin/sh\n' >d/run.sh
	chmod 755 d/run.sh
	printf 'bbbbb' >d/sub/b.txt
	ln -s a.txt d/link
	tree=$(mlv hash-object -w d)
	sub=$(mlv ls-tree --json "$tree" | jq -r '.entries[] | select(.path=="sub") | .oid')
	run --separate-stderr mlv cat-object -p "$tree"
	assert_status 0
	assert_eq "$output" "$(printf '%s\n' \
		"100644 blob $(sha d/a.txt)	3	a.txt" \
		"120000 blob $(printf a.txt | sha256sum | cut -d' ' -f1)	5	link" \
		"100755 blob $(sha d/run.sh)	10	run.sh" \
		"040000 tree $sub	5	sub")"
	assert_eq "$(mlv cat-object -t "$tree")" tree
	# The raw form is the serialized tree, whose sha256 is the id.
	mlv cat-object tree "$tree" >raw
	assert_eq "$(sha raw)" "$tree"
}

@test "cat-object -p: a JSON record, indented, numbers and strings as stored" {
	store_init
	printf '{"a":12345678901234567890,"b":[1,2.50,"x,y"],"c":{},"d":{"e":"q\\"}"}}' >rec
	id=$(mlv hash-object -w -t json rec)
	run --separate-stderr mlv cat-object -p "$id"
	assert_status 0
	assert_eq "$output" '{
  "a": 12345678901234567890,
  "b": [
    1,
    2.50,
    "x,y"
  ],
  "c": {},
  "d": {
    "e": "q\"}"
  }
}'
	mlv cat-object json "$id" | cmp - rec
}

@test "cat-object <type>: a type that does not match is an error" {
	setup_store
	run --separate-stderr mlv cat-object tree "$HELLO"
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: object $HELLO is a blob, not a tree"
}

@test "cat-object -e: 0 when the object exists, 1 when not, nothing printed" {
	setup_store
	run --separate-stderr mlv cat-object -e "$HELLO"
	assert_status 0
	assert_eq "$output$stderr" ""
	run --separate-stderr mlv cat-object -e "$EMPTY_OID"
	assert_status 1
	assert_eq "$output$stderr" ""
	run --separate-stderr mlv cat-object -e nothex
	assert_status 128
}

@test "cat-object: path@rev and a tracked path name the data as of a commit or now" {
	repo_init
	put data/train.csv 'a,b\n1,2\n'
	commit v1
	put data/train.csv 'a,b\n3,4\n'
	commit v2
	put data/train.csv 'a,b\n5,6\n'
	commit v3
	run --separate-stderr mlv cat-object -p data/train.csv@HEAD~2
	assert_status 0
	assert_eq "$output" "a,b
1,2"
	assert_eq "$(cd data && mlv cat-object blob train.csv@HEAD~1 | od -c)" "$(printf 'a,b\n3,4\n' | od -c)"
	assert_eq "$(mlv cat-object -s data/train.csv)" 8
	assert_eq "$(mlv cat-object -t data/train.csv@main)" blob
	run --separate-stderr mlv cat-object -p data/train.csv@v9
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: unknown revision 'v9'"
	run --separate-stderr mlv cat-object -e data/train.csv@v9
	assert_status 128
}

@test "cat-object: a non-hex id is refused" {
	setup_store
	run --separate-stderr mlv cat-object -t 'xyz-not-hex'
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'xyz-not-hex' is neither an object id nor a tracked path"
}

@test "cat-object: an id shorter than 4 hex digits is refused" {
	setup_store
	run --separate-stderr mlv cat-object -t "${HELLO:0:3}"
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: '${HELLO:0:3}' is too short: an id prefix needs at least 4 hex digits"
}

@test "cat-object: an id not in the store" {
	setup_store
	run --separate-stderr mlv cat-object -p "$EMPTY_OID"
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: no object $EMPTY_OID in the store"
	run --separate-stderr mlv cat-object -t ffff
	assert_status 128
	assert_eq "$stderr" "mlv: error: no object ffff in the store"
}

@test "cat-object: an ambiguous prefix lists the candidates" {
	store_init
	make_colliding_pair
	mlv hash-object -w p1 p2 >/dev/null
	prefix=$(sha p1 | cut -c1-4)
	run --separate-stderr mlv cat-object -t "$prefix"
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: id prefix '$prefix' is ambiguous; candidates:$(printf '\n  %s blob' "$(sha p1)" "$(sha p2)" | sort)"
	# One more digit tells them apart.
	assert_eq "$(mlv cat-object blob "$(sha p1 | cut -c1-8)")" 157
	assert_eq "$(mlv cat-object blob "$(sha p2 | cut -c1-8)")" 251
}

@test "cat-object: outside a store" {
	run --separate-stderr mlv cat-object -t "$EMPTY_OID"
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: not in a mlv store (or any parent directory); run 'mlv init' first"
	[ ! -e .mlv ]
}

@test "cat-object: a flipped byte in a pack: nothing on stdout, exit 128, fsck names it" {
	store_init
	noise 200000 >data
	id=$(mlv hash-object -w data)
	pack=$(the_pack)
	flip_byte "$pack" 100000
	run --separate-stderr mlv cat-object blob "$id"
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: "* ]]
	run --separate-stderr mlv cat-object -p "$id"
	assert_status 128
	assert_eq "$output" ""
	run --separate-stderr mlv fsck
	assert_status 1
	[[ "$output" == *"$id"* ]] || { echo "fsck does not name $id: $output" >&2; return 1; }
	# The file the object came from is untouched.
	assert_eq "$(sha data)" "$id"
}

@test "cat-object: a truncated pack: nothing on stdout, exit 128, fsck fails" {
	store_init
	noise 200000 >data
	id=$(mlv hash-object -w data)
	pack=$(the_pack)
	truncate -s 150000 "$pack"
	run --separate-stderr mlv cat-object blob "$id"
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: "* ]]
	run --separate-stderr mlv fsck
	assert_status 1
	[ -n "$output" ]
}

@test "cat-object: a blob over 64 MiB is streamed, and refused whole when damaged" {
	store_init
	noise $((70 * 1024 * 1024)) >big
	id=$(mlv hash-object -w big)
	assert_eq "$(mlv cat-object -s "$id")" $((70 * 1024 * 1024))
	assert_eq "$(mlv cat-object blob "$id" | sha256sum | cut -d' ' -f1)" "$id"
	pack=$(the_pack)
	# Near the end, so that a streaming reader would already have printed most.
	flip_byte "$pack" $(($(stat -c %s "$pack") - 100000))
	mlv cat-object blob "$id" >out 2>err && status=0 || status=$?
	assert_eq "$status" 128 "exit status"
	[ ! -s out ] || { echo "$(stat -c %s out) bytes reached stdout" >&2; return 1; }
	[[ "$(cat err)" == "mlv: error: "* ]]
}

@test "cat-object: a write error on stdout exits 128" {
	store_init
	noise 1000 >small
	id=$(mlv hash-object -w small)
	run --separate-stderr bash -c "mlv cat-object blob $id >/dev/full"
	assert_status 128
	assert_eq "$stderr" "mlv: error: write error on standard output: no space left on device"
	run --separate-stderr bash -c "mlv cat-object -t $id >/dev/full"
	assert_status 128
	assert_eq "$stderr" "mlv: error: write error on standard output: no space left on device"
}

@test "cat-object: with no flag, the raw content of any type" {
	setup_store
	printf 'hello\n' > h
	mlv hash-object -w h >/dev/null
	run --separate-stderr mlv cat-object "$HELLO"
	assert_status 0
	assert_eq "$output" "hello"
	mkdir d && cp h d/
	tree=$(mlv hash-object -w d)
	mlv cat-object "$tree" > raw
	cmp raw <(mlv cat-object tree "$tree")
}

@test "cat-object: usage errors exit 129" {
	setup_store
	run --separate-stderr mlv cat-object
	assert_status 129
	[[ "$stderr" == *"mlv cat-object [-t | -s | -p | -e | <type>] <id>"* ]]
	run --separate-stderr mlv cat-object -t -s "$HELLO"
	assert_status 129
	run --separate-stderr mlv cat-object -t "$HELLO" extra
	assert_status 129
	run --separate-stderr mlv cat-object -h
	assert_status 129
	run --separate-stderr mlv cat-object --bogus "$HELLO"
	assert_status 129
	run --separate-stderr mlv cat-object bogus "$HELLO"
	assert_status 129
	assert_eq "$stderr" "mlv: error: invalid object type 'bogus' (expected blob, tree or json)"
}
