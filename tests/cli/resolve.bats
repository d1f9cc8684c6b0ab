#!/usr/bin/env bats
# mlv resolve and mlv get; model specs (name@n, name@alias, name@latest) in
# the commands that take data, next to path@rev.

load helper
load plumbing
load registry

setup() {
	mlv_setup
	reg_init
	reg_model churn one
	reg_model churn two
	mlv promote churn@1 production >/dev/null
	mlv promote churn@1 staging >/dev/null
	ONE=$(printf 'one\n' | sha256sum | cut -d' ' -f1)
	TWO=$(printf 'two\n' | sha256sum | cut -d' ' -f1)
}

teardown() {
	mlv_teardown
}

@test "resolve: name@n, name@alias and name@latest" {
	run --separate-stderr mlv resolve churn@production
	assert_status 0
	assert_eq "$output" "churn@1 $ONE"
	assert_eq "$stderr" ""
	assert_eq "$(mlv resolve churn@2)" "churn@2 $TWO"
	assert_eq "$(mlv resolve churn@latest)" "churn@2 $TWO"
}

@test "resolve --json: name, version, oid, size, aliases" {
	run mlv resolve churn@production --json
	assert_eq "$(jq -c '[.schema, .name, .version, .oid, .size, .kind, .aliases]' <<<"$output")" \
		"[\"mlv.resolve/1\",\"churn\",1,\"sha256:$ONE\",4,\"file\",[\"production\",\"staging\"]]"
	assert_eq "$(mlv resolve churn@2 --json | jq -c .aliases)" "[]"
}

@test "resolve: unknown models, versions, unheld aliases and malformed specs: 128" {
	run --separate-stderr mlv resolve nosuch@1
	assert_status 128
	assert_eq "$stderr" "mlv: error: no model 'nosuch'"
	run --separate-stderr mlv resolve churn@3
	assert_status 128
	assert_eq "$stderr" "mlv: error: model 'churn' has no version 3"
	run --separate-stderr mlv resolve churn@champion
	assert_status 128
	assert_eq "$stderr" "mlv: error: no version of 'churn' holds 'champion'"
	run --separate-stderr mlv resolve churn
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'churn' names no version: use churn@<n>, churn@<alias> or churn@latest"
	run --separate-stderr mlv resolve churn@0
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid version '0' of 'churn': versions are 1, 2, 3..."
	run --separate-stderr mlv resolve Churn@1
	assert_status 128
	run --separate-stderr mlv resolve churn@Prod
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid alias 'Prod': use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
}

@test "get: a file to stdout or, atomically, to -o" {
	run --separate-stderr mlv get churn@production
	assert_status 0
	assert_eq "$output" "one"
	printf 'old\n' > deployed.bin
	run mlv get churn@latest -o deployed.bin
	assert_eq "$output" "churn@2 -> deployed.bin"
	assert_eq "$(cat deployed.bin)" "two"
	run mlv get churn@1 -o deployed.bin --json
	assert_eq "$(jq -c '[.schema, .version, .path, .kind]' <<<"$output")" '["mlv.get/1",1,"deployed.bin","file"]'
	assert_eq "$(cat deployed.bin)" "one"
	# no temporary file is left behind
	assert_eq "$(ls -A | grep -c mlv-tmp || true)" "0"
}

@test "get: a directory needs -o and a path where nothing is" {
	mkdir -p m/sub
	printf 'a\n' > m/a
	printf 'b\n' > m/sub/b
	chmod +x m/a
	ln -s a m/link
	mlv register vision m >/dev/null
	run --separate-stderr mlv get vision@1
	assert_status 128
	assert_eq "$stderr" "mlv: error: vision@1 is a directory: give -o <path> to write it"
	mkdir taken
	run --separate-stderr mlv get vision@1 -o taken
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'taken' already exists: mlv get writes a directory only where nothing is"
	assert_eq "$(ls -A taken)" ""
	run mlv get vision@1 -o out
	assert_status 0
	diff -r m out
	[ -x out/a ]
	assert_eq "$(readlink out/link)" "a"
	assert_eq "$(ls -A | grep -c mlv-tmp || true)" "0"
}

@test "get: unknown specs write nothing" {
	run --separate-stderr mlv get churn@9 -o x.bin
	assert_status 128
	assert_eq "$stderr" "mlv: error: model 'churn' has no version 9"
	[ ! -e x.bin ]
	assert_eq "$(ls -A | grep -c mlv-tmp || true)" "0"
}

@test "specs: model versions work wherever data is named (cat-object, rev-parse)" {
	assert_eq "$(mlv cat-object -p churn@production)" "one"
	assert_eq "$(mlv cat-object -s churn@latest)" "4"
	assert_eq "$(mlv rev-parse churn@2)" "$TWO"
	assert_eq "$(mlv rev-parse --json churn@production | jq -c '.results[0] | [.kind, .model, .version, .oid]')" \
		"[\"model\",\"churn\",1,\"$ONE\"]"
	run --separate-stderr mlv cat-object -p churn@7
	assert_status 128
	assert_eq "$stderr" "mlv: error: model 'churn' has no version 7"
}

@test "specs: x@rev is path@rev when no model x exists; ./x@rev when one does" {
	printf 'data v1\n' > churn
	mlv track churn >/dev/null
	git add churn.mlv .gitignore && git commit -q -m v1 && git tag v1
	printf 'data v2\n' > churn
	mlv track churn >/dev/null
	# "churn" is a model: churn@v1 asks the registry, which has no alias v1
	run --separate-stderr mlv cat-object -p churn@v1
	assert_status 128
	assert_eq "$stderr" "mlv: error: no version of 'churn' holds 'v1'"
	# ./churn@v1 is the tracked path at tag v1
	assert_eq "$(mlv cat-object -p ./churn@v1)" "data v1"
	# a name that is no model goes to git as before
	printf 'x\n' > other
	mlv track other >/dev/null
	git add other.mlv && git commit -q -m other
	assert_eq "$(mlv cat-object -p other@HEAD)" "x"
}
