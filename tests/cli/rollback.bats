#!/usr/bin/env bats
# mlv rollback, mlv unalias, mlv deprecate: the way back (a stack of
# holders), rollback with no earlier holder, removing an alias, deprecating;
# failures leave everything as it was.

load helper
load plumbing
load registry

setup() {
	mlv_setup
	reg_init
	reg_model churn one
	reg_model churn two
	reg_model churn three
}

teardown() {
	mlv_teardown
}

holder() {
	mlv resolve "churn@$1" | cut -d' ' -f1
}

@test "rollback: back to the holder before, one step at a time; --to jumps and is undone by the next rollback" {
	for v in 1 2 3; do mlv promote churn@$v production >/dev/null; done
	run --separate-stderr mlv rollback churn production -m "latency regression"
	assert_status 0
	assert_eq "$output" "production: churn@3 -> churn@2 (rollback)"
	assert_eq "$(holder production)" "churn@2"
	run mlv rollback churn production --json
	assert_eq "$(jq -c '[.from, .version, .moved]' <<<"$output")" "[2,1,true]"
	assert_eq "$(holder production)" "churn@1"
	run mlv rollback churn production --to 3
	assert_eq "$output" "production: churn@1 -> churn@3 (rollback)"
	run mlv rollback churn production
	assert_eq "$output" "production: churn@3 -> churn@1 (rollback)"
	run mlv history churn --alias production --json
	assert_eq "$(jq -r '[.events[] | .type + ":" + (.version|tostring)] | join(" ")' <<<"$output")" \
		"promote:1 promote:2 promote:3 rollback:2 rollback:1 rollback:3 rollback:1"
	assert_eq "$(jq -r '.events[3].message' <<<"$output")" "latency regression"
	assert_fsck_clean
}

@test "rollback: with no earlier holder it fails clearly (128) and records nothing" {
	mlv promote churn@2 production >/dev/null
	before=$(reg_snapshot)
	run --separate-stderr mlv rollback churn production
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'production' of 'churn' has no earlier holder to roll back to (it has only held churn@2)"
	run --separate-stderr mlv rollback churn staging
	assert_status 128
	assert_eq "$stderr" "mlv: error: no version of 'churn' holds 'staging': nothing to roll back"
	run --separate-stderr mlv rollback churn production --to 9
	assert_status 128
	assert_eq "$stderr" "mlv: error: model 'churn' has no version 9"
	run --separate-stderr mlv rollback nosuch production
	assert_status 128
	assert_eq "$stderr" "mlv: error: no model 'nosuch'"
	run --separate-stderr mlv rollback churn 42
	assert_status 128
	run --separate-stderr mlv rollback churn production --to 0
	assert_status 128
	assert_eq "$stderr" "mlv: error: --to must be a version number (1, 2, 3...), not 0"
	assert_eq "$(reg_snapshot)" "$before"
	assert_eq "$(holder production)" "churn@2"
}

@test "rollback: a deprecated previous holder is not returned to; --to chooses" {
	mlv promote churn@1 production >/dev/null
	mlv promote churn@2 production >/dev/null
	mlv promote churn@3 production >/dev/null
	mlv deprecate churn@2 >/dev/null
	run --separate-stderr mlv rollback churn production
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot roll 'production' back to churn@2: it is deprecated (choose one with --to)"
	run mlv rollback churn production --to 1
	assert_status 0
	assert_eq "$(holder production)" "churn@1"
}

@test "unalias: removes an alias (an event); rollback skips over the removal" {
	mlv promote churn@1 staging >/dev/null
	run --separate-stderr mlv unalias churn staging -m "retired"
	assert_status 0
	assert_eq "$output" "staging: removed (was churn@1)"
	run --separate-stderr mlv resolve churn@staging
	assert_status 128
	assert_eq "$stderr" "mlv: error: no version of 'churn' holds 'staging'"
	before=$(reg_snapshot)
	run --separate-stderr mlv unalias churn staging
	assert_status 128
	assert_eq "$stderr" "mlv: error: no version of 'churn' holds 'staging'"
	assert_eq "$(reg_snapshot)" "$before"
	mlv promote churn@3 staging >/dev/null
	run mlv rollback churn staging
	assert_eq "$output" "staging: churn@3 -> churn@1 (rollback)"
	assert_eq "$(mlv history churn --alias staging --json | jq -r '[.events[].type] | join(" ")')" "promote unalias promote rollback"
}

@test "deprecate: recorded once; a deprecated version cannot be promoted; resolve says so" {
	run --separate-stderr mlv deprecate churn@1 -m "leaked labels"
	assert_status 0
	assert_eq "$output" "churn@1 deprecated"
	run mlv deprecate churn@1 --json
	assert_eq "$(jq -c '[.version, .recorded]' <<<"$output")" "[1,false]"
	assert_eq "$(mlv resolve --json churn@1 | jq .deprecated)" "true"
	assert_eq "$(mlv resolve --json churn@2 | jq .deprecated)" "false"
	run --separate-stderr mlv promote churn@1 production
	assert_status 128
	assert_eq "$stderr" "mlv: error: churn@1 is deprecated and cannot be promoted"
	run --separate-stderr mlv deprecate churn@7
	assert_status 128
	assert_eq "$stderr" "mlv: error: model 'churn' has no version 7"
	assert_eq "$(mlv history churn --json | jq '[.events[] | select(.type == "deprecate")] | length')" "1"
	assert_fsck_clean
}
