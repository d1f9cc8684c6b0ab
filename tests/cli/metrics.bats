#!/usr/bin/env bats
# mlv metrics diff: the table and the JSON byte for byte, the documented
# rules (a = 0, a metric on one side only, nan and inf), run specs (prefix,
# name, tag), and the errors: unknown and ambiguous runs, usage.

load helper
load plumbing

A=aaaa0000000000000000000000000001
B=bbbb0000000000000000000000000002

setup() {
	mlv_setup
	export MLV_RUN_NO_PYTHON=1
	mlv init -q
	MLV_TEST_RUN_ID=$A mlv run -n base -t stage=baseline -- sh -c '
		mlv log-metric auc=0.7 loss=0.5 zero=0 from0=0 same=1 gone=2 n=1 neg=-2 big=inf tofin=inf toinf=1
		mlv log-metric auc=0.8' 2>/dev/null
	MLV_TEST_RUN_ID=$B mlv run -n tuned -- \
		mlv log-metric auc=0.95 loss=0.25 zero=0 from0=3 same=1 new=7 n=nan neg=-1 big=inf tofin=1 toinf=inf 2>/dev/null
}

teardown() {
	mlv_teardown
}

# Every file of the store with its hash: what a reading command must leave as it was.
store_sums() {
	find .mlv -type f ! -name '*.lock' ! -name lock.mdb | sort | xargs sha256sum
}

@test "metrics diff: the table; zero, one side only, nan and inf as documented" {
	run --separate-stderr mlv metrics diff base tuned
	assert_status 0
	assert_eq "$stderr" ""
	assert_eq "$output" "a  base (aaaa0000)
b  tuned (bbbb0000)

metric  a    b     change  relative
auc     0.8  0.95  +0.15   +18.75%
big     inf  inf   nan     nan
from0   0    3     +3      -
gone    2    -     -       -
loss    0.5  0.25  -0.25   -50%
n       1    nan   nan     nan
neg     -2   -1    +1      +50%
new     -    7     -       -
same    1    1     0       0%
tofin   inf  1     -inf    nan
toinf   1    inf   +inf    +inf
zero    0    0     0       0%"
}

@test "metrics diff --json: every metric with a, b, steps, change and relative; null where undefined" {
	run --separate-stderr mlv metrics diff --json base tuned
	assert_status 0
	assert_eq "$stderr" ""
	assert_eq "$(jq -c '[.schema, .a, .b]' <<<"$output")" \
		"[\"mlv.metrics.diff/1\",{\"id\":\"$A\",\"name\":\"base\"},{\"id\":\"$B\",\"name\":\"tuned\"}]"
	# the latest value is the one with the greatest step (auc was logged twice in a)
	assert_eq "$(jq -c '.metrics[0]' <<<"$output")" \
		'{"key":"auc","a":0.8,"b":0.95,"step_a":1,"step_b":0,"change":0.1499999999999999,"relative":0.1874999999999999}'
	assert_eq "$(jq -c '[.metrics[] | [.key, .a, .b, .change, .relative]]' <<<"$output")" \
		'[["auc",0.8,0.95,0.1499999999999999,0.1874999999999999],["big","inf","inf","nan","nan"],["from0",0,3,3,null],["gone",2,null,null,null],["loss",0.5,0.25,-0.25,-0.5],["n",1,"nan","nan","nan"],["neg",-2,-1,1,0.5],["new",null,7,null,null],["same",1,1,0,0],["tofin","inf",1,"-inf","nan"],["toinf",1,"inf","inf","inf"],["zero",0,0,0,0]]'
	assert_eq "$(jq -c '[.metrics[] | select(.key == "gone" or .key == "new") | [.step_a, .step_b]]' <<<"$output")" \
		'[[0,null],[null,0]]'
	# the change is b - a exactly, as a double
	assert_eq "$(jq '.metrics[0] | .change == (0.95 - 0.8)' <<<"$output")" true
}

@test "metrics diff: the other way round flips the signs" {
	run --separate-stderr mlv metrics diff --json tuned base
	assert_status 0
	assert_eq "$(jq -c '[.metrics[] | select(.key == "loss" or .key == "from0") | [.key, .change, .relative]]' <<<"$output")" \
		'[["from0",-3,-1],["loss",0.25,1]]'
}

@test "metrics diff: runs by id prefix, full id, name or tag; no metrics at all" {
	want=$(mlv metrics diff --json base tuned)
	assert_eq "$(mlv metrics diff --json aaaa bbbb0000)" "$want"
	assert_eq "$(mlv metrics diff --json $A $B)" "$want"
	assert_eq "$(mlv metrics diff --json stage=baseline tuned)" "$want"
	MLV_TEST_RUN_ID=cccc0000000000000000000000000003 mlv run -n empty -- true 2>/dev/null
	run --separate-stderr mlv metrics diff empty empty
	assert_status 0
	assert_eq "$output" "a  empty (cccc0000)
b  empty (cccc0000)

metric  a  b  change  relative"
	assert_eq "$(mlv metrics diff --json empty empty | jq -c .metrics)" '[]'
}

@test "metrics diff: an ambiguous prefix or an unknown run is 128 with the message, nothing on stdout, store untouched" {
	MLV_TEST_RUN_ID=aaaa0000000000000000000000000009 mlv run -- true 2>/dev/null
	before=$(store_sums)
	run --separate-stderr mlv metrics diff aaaa tuned
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: run prefix 'aaaa' is ambiguous: 2 runs match ($A, aaaa0000000000000000000000000009)"
	run --separate-stderr mlv metrics diff --json base nosuch
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: no run 'nosuch' (neither a run id nor a run name)"
	run --separate-stderr mlv metrics diff base stage=nope
	assert_status 128
	assert_eq "$stderr" "mlv: error: no run 'stage=nope' (neither a run id, a run name nor a tag)"
	assert_eq "$(store_sums)" "$before"
	assert_fsck_clean
}

@test "metrics: usage errors are 129 with the usage; -h" {
	run --separate-stderr mlv metrics
	assert_status 129
	[[ "$stderr" == "usage: mlv metrics diff [--json] <run-a> <run-b>"* ]]
	run --separate-stderr mlv metrics show base tuned
	assert_status 129
	[[ "$stderr" == "mlv: error: unknown subcommand 'show'
usage: mlv metrics diff [--json] <run-a> <run-b>"* ]]
	run --separate-stderr mlv metrics diff base
	assert_status 129
	run --separate-stderr mlv metrics diff base tuned base
	assert_status 129
	run --separate-stderr mlv metrics diff --bogus base tuned
	assert_status 129
	run --separate-stderr mlv metrics -h
	assert_status 129
	assert_eq "${lines[0]}" "usage: mlv metrics diff [--json] <run-a> <run-b>"
	# outside a store
	cd "$TEST_ROOT" && mkdir elsewhere && cd elsewhere
	run --separate-stderr mlv metrics diff a b
	assert_status 128
	[[ "$stderr" == "mlv: error: "* ]]
}
