#!/usr/bin/env bats
# mlv show: run specs (id prefixes, names, the latest of a name), the human
# summary, --json, captured streams byte for byte, and the errors.

load helper
load plumbing

setup() {
	mlv_setup
	export MLV_RUN_NO_PYTHON=1
	mlv init -q
}

teardown() {
	mlv_teardown
}

run_ids() {
	mlv runs --json | jq -r '.runs[].id'
}

@test "show: a captured stream is printed byte for byte" {
	mlv run -n bytes -- sh -c 'printf "a\000b\r\nno newline"; printf "e\n" >&2' >/dev/null 2>&1
	mlv show bytes:stdout >got
	printf 'a\000b\r\nno newline' | cmp - got
	assert_eq "$(mlv show bytes:stderr)" e
	run --separate-stderr mlv show --json bytes:stdout
	assert_status 128
	assert_eq "$stderr" "mlv: error: --json cannot be used with 'bytes:stdout'"
}

@test "show: human summary" {
	mlv run -n base -p lr=0.1 -- sh -c 'mlv log-metric loss=0.5; mlv log-metric loss=0.25; exit 2' >/dev/null 2>&1 || true
	id=$(run_ids)
	run --separate-stderr mlv show base
	assert_status 0
	assert_eq "${lines[0]}" "run       $id"
	assert_eq "${lines[1]}" "name      base"
	assert_eq "${lines[2]}" "command   sh -c mlv log-metric loss=0.5; mlv log-metric loss=0.25; exit 2"
	assert_eq "${lines[3]}" "status    2"
	[[ "$output" == *"params
  lr = 0.1
metrics   (latest)
  loss = 0.25  (step 1, 2 values)"* ]]
	[[ "$output" == *"stdout    0 bytes (mlv show ${id:0:8}:stdout)"* ]]
}

@test "show --json: the record as stored, with the schema, id and record id" {
	mlv run -n j -- true 2>/dev/null
	id=$(run_ids)
	run --separate-stderr mlv show --json "${id:0:6}"
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" mlv.show/1
	assert_eq "$(jq -r .id <<<"$output")" "$id"
	oid=$(jq -r .record <<<"$output")
	assert_eq "$(mlv cat-object json "${oid#sha256:}")" "$(jq -c .run <<<"$output")"
}

@test "show: a name means the latest run with it; a prefix is tried before a name" {
	mlv run -n twice -p n=1 -- true 2>/dev/null
	sleep 0.01
	mlv run -n twice -p n=2 -- true 2>/dev/null
	assert_eq "$(mlv show --json twice | jq -r .run.params.n)" 2
}

@test "show: an ambiguous prefix lists the candidates; unknown runs are errors" {
	MLV_TEST_RUN_ID=abcd0000000000000000000000000001 mlv run -- true 2>/dev/null
	MLV_TEST_RUN_ID=abcd0000000000000000000000000002 mlv run -- true 2>/dev/null
	run --separate-stderr mlv show abcd
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: run prefix 'abcd' is ambiguous: 2 runs match (abcd0000000000000000000000000001, abcd0000000000000000000000000002)"
	assert_eq "$(mlv show --json ABCD00000000000000000000000000002 2>&1 | head -c 5)" "mlv: "
	assert_eq "$(mlv show --json abcd0000000000000000000000000002 | jq -r .id)" abcd0000000000000000000000000002
	assert_eq "$(mlv show --json ABCD0000000000000000000000000002 | jq -r .id)" abcd0000000000000000000000000002
	# fewer than 4 digits is not a prefix: it is looked up as a name
	run --separate-stderr mlv show abc
	assert_status 128
	assert_eq "$stderr" "mlv: error: no run 'abc' (neither a run id nor a run name)"
	run mlv show
	assert_status 129
}
