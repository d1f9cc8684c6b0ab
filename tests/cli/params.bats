#!/usr/bin/env bats
# mlv params diff: the params that differ (or all with --all), byte for
# byte; --json with every param; values compared as strings; the errors.

load helper
load plumbing

A=aaaa0000000000000000000000000001
B=bbbb0000000000000000000000000002

setup() {
	mlv_setup
	export MLV_RUN_NO_PYTHON=1
	mlv init -q
	MLV_TEST_RUN_ID=$A mlv run -n base -p lr=0.1 -p seed=1 -p epochs=3 -p gone=x -p note='two words' -- true 2>/dev/null
	MLV_TEST_RUN_ID=$B mlv run -n tuned -p lr=0.10 -p seed=1 -p epochs=3 -p new=y -p note='two words' -- \
		mlv log-param batch=32 2>/dev/null
}

teardown() {
	mlv_teardown
}

@test "params diff: the params that differ, one side only shown as -, a count of the same ones" {
	run --separate-stderr mlv params diff base tuned
	assert_status 0
	assert_eq "$stderr" ""
	# 0.1 and 0.10 differ: params are strings, compared byte for byte
	assert_eq "$output" "a  base (aaaa0000)
b  tuned (bbbb0000)

param  a    b
batch  -    32
gone   x    -
lr     0.1  0.10
new    -    y

3 params the same (--all lists them)"
}

@test "params diff --all lists the same ones too; nothing differs" {
	run --separate-stderr mlv params diff --all base tuned
	assert_status 0
	assert_eq "$output" "a  base (aaaa0000)
b  tuned (bbbb0000)

param   a          b
batch   -          32
epochs  3          3
gone    x          -
lr      0.1        0.10
new     -          y
note    two words  two words
seed    1          1"
	run --separate-stderr mlv params diff base base
	assert_status 0
	assert_eq "$output" "a  base (aaaa0000)
b  base (aaaa0000)

5 params the same (--all lists them)"
	MLV_TEST_RUN_ID=cccc0000000000000000000000000003 mlv run -n none -- true 2>/dev/null
	run --separate-stderr mlv params diff none none
	assert_eq "$output" "a  none (cccc0000)
b  none (cccc0000)

neither run has params"
}

@test "params diff --json: every param with a, b and changed" {
	run --separate-stderr mlv params diff --json base tuned
	assert_status 0
	assert_eq "$output" "{\"schema\":\"mlv.params.diff/1\",\"a\":{\"id\":\"$A\",\"name\":\"base\"},\"b\":{\"id\":\"$B\",\"name\":\"tuned\"},\"params\":[{\"key\":\"batch\",\"a\":null,\"b\":\"32\",\"changed\":true},{\"key\":\"epochs\",\"a\":\"3\",\"b\":\"3\",\"changed\":false},{\"key\":\"gone\",\"a\":\"x\",\"b\":null,\"changed\":true},{\"key\":\"lr\",\"a\":\"0.1\",\"b\":\"0.10\",\"changed\":true},{\"key\":\"new\",\"a\":null,\"b\":\"y\",\"changed\":true},{\"key\":\"note\",\"a\":\"two words\",\"b\":\"two words\",\"changed\":false},{\"key\":\"seed\",\"a\":\"1\",\"b\":\"1\",\"changed\":false}]}"
	# a run without a name has name null
	MLV_TEST_RUN_ID=cccc0000000000000000000000000003 mlv run -- true 2>/dev/null
	assert_eq "$(mlv params diff --json cccc base | jq -c .a)" '{"id":"cccc0000000000000000000000000003","name":null}'
}

@test "params diff: ambiguous prefix and unknown run are 128, nothing on stdout; usage errors 129" {
	MLV_TEST_RUN_ID=aaaa0000000000000000000000000009 mlv run -- true 2>/dev/null
	run --separate-stderr mlv params diff aaaa base
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: run prefix 'aaaa' is ambiguous: 2 runs match ($A, aaaa0000000000000000000000000009)"
	run --separate-stderr mlv params diff base nosuch
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: no run 'nosuch' (neither a run id nor a run name)"
	run --separate-stderr mlv params
	assert_status 129
	run --separate-stderr mlv params list
	assert_status 129
	[[ "$stderr" == "mlv: error: unknown subcommand 'list'"* ]]
	run --separate-stderr mlv params diff base
	assert_status 129
	run mlv params -h
	assert_status 129
	assert_eq "${lines[0]}" "usage: mlv params diff [--all] [--json] <run-a> <run-b>"
	assert_fsck_clean
}
