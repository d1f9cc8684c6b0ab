#!/usr/bin/env bats
# mlv rev-parse: specs to full ids.

load helper
load plumbing

setup_store() {
	store_init
	printf 'one' >one
	printf 'two' >two
	mlv hash-object -w one two >/dev/null
	ONE=$(sha one)
	TWO=$(sha two)
}

@test "rev-parse: full ids, prefixes and sha256: forms, in order" {
	setup_store
	run --separate-stderr mlv rev-parse "$ONE" "${TWO:0:4}" "sha256:${ONE:0:12}" "sha256:$TWO"
	assert_status 0
	assert_eq "$output" "$ONE
$TWO
$ONE
$TWO"
	assert_eq "$stderr" ""
}

@test "rev-parse --json: spec, kind, oid, type, size" {
	setup_store
	run --separate-stderr mlv rev-parse --json "${ONE:0:5}"
	assert_status 0
	assert_eq "$output" "{\"schema\":\"mlv.rev-parse/1\",\"results\":[{\"spec\":\"${ONE:0:5}\",\"kind\":\"oid\",\"oid\":\"$ONE\",\"type\":\"blob\",\"size\":3}]}"
}

@test "rev-parse: one bad spec prints no id at all" {
	setup_store
	run --separate-stderr mlv rev-parse "$ONE" "$EMPTY_OID"
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: no object $EMPTY_OID in the store"
}

@test "rev-parse: non-hex, too short, ambiguous" {
	setup_store
	run --separate-stderr mlv rev-parse 'not/an/id'
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'not/an/id' is not an object id (expected hex digits)"
	run --separate-stderr mlv rev-parse "${ONE:0:3}"
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: '${ONE:0:3}' is too short: an id prefix needs at least 4 hex digits"
	make_colliding_pair
	mlv hash-object -w p1 p2 >/dev/null
	run --separate-stderr mlv rev-parse "$(sha p1 | cut -c1-4)"
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: id prefix 'c75d' is ambiguous; candidates:$(printf '\n  %s blob' "$(sha p1)" "$(sha p2)" | sort)"
}

@test "rev-parse: path@rev and name@alias are not supported yet" {
	setup_store
	run --separate-stderr mlv rev-parse data/train.csv@HEAD
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: cannot resolve 'data/train.csv@HEAD': <path>@<rev> and <name>@<alias> specs are not supported yet"
}

@test "rev-parse: outside a store" {
	run --separate-stderr mlv rev-parse "$EMPTY_OID"
	assert_status 128
	assert_eq "$stderr" "mlv: error: not in a mlv store (or any parent directory); run 'mlv init' first"
}

@test "rev-parse: usage errors exit 129" {
	setup_store
	run --separate-stderr mlv rev-parse
	assert_status 129
	[[ "$stderr" == *"mlv rev-parse [--json] <spec>..."* ]]
	run --separate-stderr mlv rev-parse -h
	assert_status 129
	run --separate-stderr mlv rev-parse --bogus "$ONE"
	assert_status 129
}
