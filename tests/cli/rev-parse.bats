#!/usr/bin/env bats
# mlv rev-parse: specs to full ids.

load helper
load plumbing
load gitdata

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
	assert_eq "$stderr" "mlv: error: 'not/an/id' is neither an object id nor a tracked path"
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

# Three committed versions of data/train.csv; v1.0 tags the first.
setup_history() {
	repo_init
	put data/train.csv 'a,b\n1,2\n'
	V1=$(sha data/train.csv)
	commit v1
	git tag v1.0
	put data/train.csv 'a,b\n1,2\n3,4\n'
	V2=$(sha data/train.csv)
	commit v2
	put data/train.csv 'a,b\n5,6\n'
	V3=$(sha data/train.csv)
	commit v3
}

@test "rev-parse: path@rev, relative to the current directory like rev:./path" {
	setup_history
	run --separate-stderr mlv rev-parse data/train.csv@v1.0 data/train.csv@HEAD~1 data/train.csv@HEAD "data/train.csv@$(git rev-parse HEAD~2)"
	assert_status 0
	assert_eq "$output" "$V1
$V2
$V3
$V1"
	assert_eq "$stderr" ""
	cd data
	run --separate-stderr mlv rev-parse train.csv@HEAD~2 ./train.csv@v1.0 ../data/train.csv@HEAD train.csv.mlv@HEAD~1 "$PWD/train.csv@HEAD"
	assert_status 0
	assert_eq "$output" "$V1
$V1
$V3
$V2
$V3"
}

@test "rev-parse: the revision may hold @{...}; a plain path is its pointer in the work tree" {
	setup_history
	# HEAD@{1}: where HEAD was before the last commit.
	run --separate-stderr mlv rev-parse 'data/train.csv@HEAD@{1}' data/train.csv
	assert_status 0
	assert_eq "$output" "$V2
$V3"
	put data/train.csv 'changed\n'
	run --separate-stderr mlv rev-parse data/train.csv data/train.csv@HEAD
	assert_eq "$output" "$(sha data/train.csv)
$V3"
}

@test "rev-parse --json: path@rev gives the path, the commit and whether the store has it" {
	setup_history
	run --separate-stderr mlv rev-parse --json data/train.csv@v1.0 data/train.csv
	assert_status 0
	assert_eq "$output" "{\"schema\":\"mlv.rev-parse/1\",\"results\":[{\"spec\":\"data/train.csv@v1.0\",\"kind\":\"path@rev\",\"oid\":\"$V1\",\"type\":\"blob\",\"size\":8,\"in_store\":true,\"path\":\"data/train.csv\",\"commit\":\"$(git rev-parse v1.0)\"},{\"spec\":\"data/train.csv\",\"kind\":\"path\",\"oid\":\"$V3\",\"type\":\"blob\",\"size\":8,\"in_store\":true,\"path\":\"data/train.csv\"}]}"
}

@test "rev-parse: an object the store lacks still resolves; cat-object then says it is not in the store" {
	setup_history
	missing=$(printf 'never stored' | sha256sum | cut -d' ' -f1)
	commit_pointer data/gone.bin "$(pointer_of "$missing" 12)" "gone"
	run --separate-stderr mlv rev-parse --json data/gone.bin@HEAD
	assert_status 0
	assert_eq "$(jq -r '.results[0].oid' <<<"$output")" "$missing"
	assert_eq "$(jq -r '.results[0].in_store' <<<"$output")" false
	assert_eq "$(jq -r '.results[0].size' <<<"$output")" 12
	run --separate-stderr mlv cat-object -p data/gone.bin@HEAD
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: object $missing named by 'data/gone.bin@HEAD' is not in the store"
	run --separate-stderr mlv cat-object -e data/gone.bin@HEAD
	assert_status 1
	assert_eq "$output$stderr" ""
}

@test "rev-parse: a revision that does not exist, a path not tracked there" {
	setup_history
	run --separate-stderr mlv rev-parse data/train.csv@v9
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: unknown revision 'v9'"
	run --separate-stderr mlv rev-parse data/other.csv@v1.0
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'data/other.csv' is not tracked in 'v1.0' (no 'data/other.csv.mlv' there)"
	run --separate-stderr mlv rev-parse data/other.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'data/other.csv' is neither an object id nor a tracked path"
	run --separate-stderr mlv rev-parse @HEAD
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot resolve '@HEAD': expected <path>@<revision>"
	run --separate-stderr mlv rev-parse ../outside@HEAD
	assert_status 128
	[[ "$stderr" == "mlv: error: '../outside' is outside the git work tree '"*"'" ]]
}

@test "rev-parse: a pointer at a revision that is not JSON, has an unknown kind or a bad id" {
	setup_history
	commit_pointer bad.csv 'not json' "bad pointer"
	run --separate-stderr mlv rev-parse bad.csv@HEAD
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: pointer 'HEAD:bad.csv.mlv' is not valid JSON (at byte 0)"
	commit_pointer bad.csv '{"kind":"blob","oid":"sha256:'"$V1"'","size":8}' "unknown kind"
	run --separate-stderr mlv rev-parse bad.csv@HEAD
	assert_status 128
	assert_eq "$stderr" "mlv: error: pointer 'HEAD:bad.csv.mlv' has an unknown kind \"blob\""
	commit_pointer bad.csv '{"kind":"file","oid":"sha256:1234","size":8}' "bad id"
	run --separate-stderr mlv rev-parse bad.csv@HEAD
	assert_status 128
	assert_eq "$stderr" "mlv: error: pointer 'HEAD:bad.csv.mlv' has a bad \"oid\" (expected \"sha256:\" and 64 hex digits)"
	# Other pointers of the same commit are still readable.
	assert_eq "$(mlv rev-parse data/train.csv@HEAD)" "$V3"
}

@test "rev-parse: path@rev outside a git repository" {
	store_init
	run --separate-stderr mlv rev-parse data/train.csv@HEAD
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: '$PWD' is not in a git work tree"
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
