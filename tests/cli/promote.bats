#!/usr/bin/env bats
# mlv promote and mlv approve: gates with the values they saw, gates over an
# alias nobody holds, syntax errors, bad aliases, deprecated versions, the
# policy in mlv.json (gates, requires, approvals), invalid mlv.json, and the
# compare-and-swap under concurrency: no event lost or duplicated.

load helper
load plumbing
load registry

setup() {
	mlv_setup
	reg_init
	reg_model churn one --metric auc=0.90 --param depth=6
	reg_model churn two --metric auc=0.92 --param depth=8
	reg_model churn three --metric auc=0.80
}

teardown() {
	mlv_teardown
}

@test "promote: moves an alias and prints where it went; promote again moves it on" {
	run --separate-stderr mlv promote churn@1 production
	assert_status 0
	assert_eq "$output" "production: churn@1"
	run mlv promote churn@2 production -m "better auc"
	assert_eq "$output" "production: churn@1 -> churn@2"
	assert_eq "$(mlv resolve churn@production)" "churn@2 $(printf 'two\n' | sha256sum | cut -d' ' -f1)"
	assert_eq "$(mlv history churn --json | jq -r '.events[-1] | [.type, .alias, .version, .from, .message] | map(tostring) | join(" ")')" \
		"promote production 2 1 better auc"
	# the same version again: nothing recorded, exit 0
	run mlv promote churn@2 production
	assert_status 0
	assert_eq "$output" "production already points to churn@2; nothing moved"
	assert_eq "$(mlv history churn --json | jq '.events | length')" "5"
	# any spec names the candidate
	run mlv promote churn@production staging
	assert_eq "$output" "staging: churn@2"
	assert_fsck_clean
}

@test "promote --gate: every gate is printed with its values; a failing one moves nothing, exit 1" {
	mlv promote churn@1 production >/dev/null
	run --separate-stderr mlv promote churn@3 production --gate 'metrics.auc >= production.metrics.auc - 0.005' \
		--gate 'params.depth == null'
	assert_status 1
	assert_eq "$output" "gate FAIL  metrics.auc (0.8) >= production.metrics.auc (0.9) - 0.005 → false
gate pass  params.depth (missing) == null → true
not promoted: production stays where it was"
	assert_eq "$stderr" ""
	assert_eq "$(mlv resolve churn@production | cut -d' ' -f1)" "churn@1"
	run mlv promote churn@2 production --gate 'metrics.auc >= production.metrics.auc - 0.005' --json
	assert_status 0
	assert_eq "$(jq -c '[.moved, .from, .gates[0].passed, .gates[0].source, .gates[0].explain]' <<<"$output")" \
		'[true,1,true,"command line","metrics.auc (0.92) >= production.metrics.auc (0.9) - 0.005 → true"]'
	# the gate results are in the event
	assert_eq "$(mlv history churn --json | jq -r '.events[-1].gates[0].explain')" \
		"metrics.auc (0.92) >= production.metrics.auc (0.9) - 0.005 → true"
}

@test "promote --gate: a gate over an alias nobody holds fails with 'no version holds', unless ?? gives a default" {
	before=$(reg_snapshot)
	run --separate-stderr mlv promote churn@2 production --gate 'metrics.auc > production.metrics.auc'
	assert_status 1
	assert_eq "$output" "gate FAIL  metrics.auc (0.92) > production.metrics.auc (missing) → missing  (no version holds production)
not promoted: production stays unset"
	run mlv promote churn@2 production --json --gate 'metrics.auc > production.metrics.auc'
	assert_eq "$(jq -r '.gates[0].why' <<<"$output")" "no version holds production"
	assert_eq "$(reg_snapshot)" "$before"
	run mlv promote churn@2 production --gate 'metrics.auc > production.metrics.auc ?? 0'
	assert_status 0
	assert_eq "$output" "gate pass  metrics.auc (0.92) > production.metrics.auc (missing) ?? 0 → true
production: churn@2"
}

@test "promote --gate: a syntax error is fatal, shows the position, and moves nothing" {
	mlv promote churn@1 production >/dev/null
	before=$(reg_snapshot)
	run --separate-stderr mlv promote churn@2 production --gate 'metrics.auc >= and 1'
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: gate (command line) 'metrics.auc >= and 1': syntax error at column 16: expected a value, found 'and'
  metrics.auc >= and 1
                 ^"
	assert_eq "$(reg_snapshot)" "$before"
}

@test "promote: bad aliases, unknown models and versions, deprecated versions: exit 128, nothing moves" {
	before=$(reg_snapshot)
	run --separate-stderr mlv promote churn@1 123
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid alias '123': an alias cannot be all digits (that is a version number)"
	run --separate-stderr mlv promote churn@1 Prod
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid alias 'Prod': use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
	run --separate-stderr mlv promote churn@1 'pro d'
	assert_status 128
	run --separate-stderr mlv promote churn@1 latest
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid alias 'latest': it is reserved for the newest version"
	run --separate-stderr mlv promote churn@1 eu.metrics
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid alias 'eu.metrics': 'metrics' is reserved (gates read '<alias>.metrics...')"
	run --separate-stderr mlv promote nosuch@1 production
	assert_status 128
	assert_eq "$stderr" "mlv: error: no model 'nosuch'"
	run --separate-stderr mlv promote churn@9 production
	assert_status 128
	assert_eq "$stderr" "mlv: error: model 'churn' has no version 9"
	run --separate-stderr mlv promote churn@staging production
	assert_status 128
	assert_eq "$stderr" "mlv: error: no version of 'churn' holds 'staging'"
	assert_eq "$(reg_snapshot)" "$before"
	mlv deprecate churn@3 -m "bad labels" >/dev/null
	before=$(reg_snapshot)
	run --separate-stderr mlv promote churn@3 production
	assert_status 128
	assert_eq "$stderr" "mlv: error: churn@3 is deprecated and cannot be promoted"
	assert_eq "$(reg_snapshot)" "$before"
}

@test "policy: gates from mlv.json always apply, marked [policy]" {
	printf '{"policy": {"production": {"gates": ["metrics.auc >= 0.91"]}}}\n' > mlv.json
	run mlv promote churn@1 production
	assert_status 1
	assert_eq "$output" "gate FAIL  metrics.auc (0.9) >= 0.91 → false  [policy]
not promoted: production stays unset"
	run mlv promote churn@2 production --gate 'params.depth > 6'
	assert_status 0
	assert_eq "$output" "gate pass  params.depth (\"8\") > 6 → true
gate pass  metrics.auc (0.92) >= 0.91 → true  [policy]
production: churn@2"
	# other aliases are not bound by it
	run mlv promote churn@1 staging
	assert_status 0
}

@test "policy: requires an alias the version holds first" {
	printf '{"policy": {"production": {"requires": "staging"}}}\n' > mlv.json
	run mlv promote churn@2 production
	assert_status 1
	assert_eq "$output" "requires FAIL  churn@2 does not hold staging
not promoted: production stays unset"
	mlv promote churn@2 staging >/dev/null
	run mlv promote churn@2 production
	assert_status 0
	assert_eq "$output" "requires pass  churn@2 holds staging
production: churn@2"
}

@test "approve: approvals by distinct identities; the same identity twice counts once" {
	printf '{"policy": {"production": {"approvals": 2}}}\n' > mlv.json
	run mlv approve churn@2 production -m "looks good"
	assert_status 0
	assert_eq "$output" "A U Thor <author@example.com> approved churn@2 for production (1 approval)"
	before=$(reg_snapshot)
	run mlv approve churn@2 production
	assert_status 0
	assert_eq "$output" "A U Thor <author@example.com> had already approved churn@2 for production; counted once (1 approval)"
	assert_eq "$(reg_snapshot)" "$before"
	# the e-mail address tells identities apart, in any case
	GIT_AUTHOR_NAME="Other Name" GIT_AUTHOR_EMAIL="AUTHOR@example.com" run mlv approve churn@2 production --json
	assert_eq "$(jq -c '[.recorded, .approvals]' <<<"$output")" "[false,1]"
	run mlv promote churn@2 production
	assert_status 1
	assert_eq "$output" "approvals FAIL  1 of 2
not promoted: production stays unset"
	# approvals are per version and alias
	GIT_AUTHOR_NAME=Bob GIT_AUTHOR_EMAIL=bob@example.com mlv approve churn@1 production >/dev/null
	run mlv promote churn@2 production
	assert_status 1
	GIT_AUTHOR_NAME=Bob GIT_AUTHOR_EMAIL=bob@example.com mlv approve churn@2 production >/dev/null
	run mlv promote churn@2 production --json
	assert_status 0
	assert_eq "$(jq -c .approvals <<<"$output")" '{"needed":2,"have":2}'
	assert_eq "$(mlv history churn --json | jq -c '.events[-1].approvals')" '["author@example.com","bob@example.com"]'
	assert_eq "$(mlv history churn --json | jq '[.events[] | select(.type == "approve")] | length')" "3"
}

@test "approve: an e-mail address that is not UTF-8 counts as one identity, and fsck agrees with the index" {
	# (found writing fuzz/rt_registry: the live approval keyed the raw bytes,
	# the replay of the stored event their \u00c9 form, so fsck reported a
	# mismatch and a rebuilt index could count approvals differently)
	printf '{"policy": {"production": {"approvals": 2}}}\n' > mlv.json
	GIT_AUTHOR_NAME=Emile GIT_AUTHOR_EMAIL=$'\xc9mile@example.com' run mlv approve churn@2 production --json
	assert_status 0
	assert_eq "$(jq -c '[.recorded, .approvals]' <<<"$output")" "[true,1]"
	GIT_AUTHOR_NAME=Emile GIT_AUTHOR_EMAIL=$'\xc9MILE@example.com' run mlv approve churn@2 production --json
	assert_eq "$(jq -c '[.recorded, .approvals]' <<<"$output")" "[false,1]"
	run mlv fsck --full
	assert_status 0
	# the key is what the stored event reads back as: É in UTF-8
	GIT_AUTHOR_NAME=Emile GIT_AUTHOR_EMAIL=$'\xc3\x89mile@example.com' run mlv approve churn@2 production --json
	assert_eq "$(jq -c '[.recorded, .approvals]' <<<"$output")" "[false,1]"
	run mlv fsck --rebuild-index
	assert_status 0
	run mlv fsck --full
	assert_status 0
}

@test "policy: mlv.json that is not valid JSON names the line and column; exit 128, nothing moves" {
	printf '{\n  "policy": {\n    "production": {"gates": ["metrics.auc > 0.5",]}\n  }\n}\n' > mlv.json
	before=$(reg_snapshot)
	run --separate-stderr mlv promote churn@1 production
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'mlv.json' is not valid JSON: line 3, column 50"
	assert_eq "$(reg_snapshot)" "$before"
	printf '{"policy": {"production": {"gates": ["metrics.auc >"]}}}\n' > mlv.json
	before=$(reg_snapshot)
	run --separate-stderr mlv promote churn@1 production
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'mlv.json': policy.production.gates[0] 'metrics.auc >': syntax error at column 14: expected a value, found end of input"
	assert_eq "$(reg_snapshot)" "$before"
	printf '{"policy": {"production": {"approvals": "two"}}}\n' > mlv.json
	before=$(reg_snapshot)
	run --separate-stderr mlv promote churn@1 production
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'mlv.json': policy.production.approvals must be a whole number from 0 to 1000"
	assert_eq "$(reg_snapshot)" "$before"
}

@test "promote: an alias moved by another command meanwhile: one wins, the other fails cleanly naming who moved it" {
	# Both promotes read the alias, then queue behind the held write lock.
	flock -x .mlv/locks/write.lock sleep 1.5 &
	sleep 0.2
	GIT_AUTHOR_NAME=Ann GIT_AUTHOR_EMAIL=ann@example.com mlv promote churn@1 production >a.out 2>a.err &
	pa=$!
	GIT_AUTHOR_NAME=Bob GIT_AUTHOR_EMAIL=bob@example.com mlv promote churn@2 production >b.out 2>b.err &
	pb=$!
	ra=0; rb=0
	wait $pa || ra=$?
	wait $pb || rb=$?
	wait
	assert_eq "$(printf '%s\n' $ra $rb | sort | tr '\n' ' ')" "0 128 "
	if [ $ra -eq 0 ]; then winner="Ann <ann@example.com>" v=1 err=b.err; else winner="Bob <bob@example.com>" v=2 err=a.err; fi
	assert_eq "$(cat $err)" "mlv: error: alias 'production' of 'churn' moved by $winner (to churn@$v) while this command ran; nothing was recorded"
	assert_eq "$(mlv resolve churn@production | cut -d' ' -f1)" "churn@$v"
	assert_eq "$(mlv history churn --alias production --json | jq '.events | length')" "1"
	assert_fsck_clean
}

@test "promote: other events landing meanwhile do not make it fail, and none is lost" {
	flock -x .mlv/locks/write.lock sleep 1.5 &
	sleep 0.2
	mlv promote churn@2 production >p.out 2>&1 &
	pp=$!
	GIT_AUTHOR_NAME=Bob GIT_AUTHOR_EMAIL=bob@example.com mlv approve churn@2 production >/dev/null 2>&1 &
	pa=$!
	mlv promote churn@1 staging >/dev/null 2>&1 &
	ps=$!
	wait $pp
	wait $pa
	wait $ps
	wait
	assert_eq "$(cat p.out)" "production: churn@2"
	assert_eq "$(mlv history churn --json | jq -c '[.events[].seq]')" "[1,2,3,4,5,6]"
	assert_eq "$(mlv history churn --json | jq -r '[.events[3:][].type] | sort | join(" ")')" "approve promote promote"
	assert_fsck_clean
}

@test "promote: 64 concurrent promotes of different versions to one alias: each wins or fails cleanly; one chain, no lost or duplicate event" {
	for i in $(seq 4 66); do
		printf 'model %s\n' "$i" > model.bin
		mlv register churn model.bin >/dev/null
	done
	n0=$(mlv history churn --json | jq '.events | length')
	assert_eq "$n0" "66"
	pids=()
	for i in $(seq 1 64); do
		mlv promote "churn@$i" production >"out.$i" 2>"err.$i" &
		pids+=($!)
	done
	fails=0; wins=0
	for pid in "${pids[@]}"; do
		if wait "$pid"; then wins=$((wins + 1)); else fails=$((fails + 1)); fi
	done
	[ $wins -ge 1 ]
	assert_eq $((wins + fails)) 64
	# every failure is the clean compare-and-swap message, with nothing on stdout
	for i in $(seq 1 64); do
		if [ -s "err.$i" ]; then
			[[ "$(cat "err.$i")" =~ ^"mlv: error: alias 'production' of 'churn' moved by A U Thor <author@example.com> (to churn@"[0-9]+") while this command ran; nothing was recorded"$ ]]
			assert_eq "$(cat "out.$i")" ""
		fi
	done
	assert_eq "$(cat err.* | wc -l)" "$fails"
	# one chain: seq 1..N without gaps or repeats, each event naming the one before
	run mlv history churn --json
	assert_eq "$(jq '.events | length' <<<"$output")" "$((n0 + wins))"
	assert_eq "$(jq -c '[.events[].seq] == [range(1; (.events | length) + 1)]' <<<"$output")" "true"
	assert_eq "$(jq -c '[.events[1:][].prev] == [.events[:-1][].id]' <<<"$output")" "true"
	assert_eq "$(jq '[.events[] | select(.type == "promote")] | length' <<<"$output")" "$wins"
	# the alias is where the last promote put it, and each promote's "from" is the one before
	last=$(jq '[.events[] | select(.type == "promote")][-1].version' <<<"$output")
	assert_eq "$(mlv resolve churn@production | cut -d' ' -f1)" "churn@$last"
	assert_eq "$(jq -c '[.events[] | select(.type == "promote")] | [.[1:][].from] == [.[:-1][].version]' <<<"$output")" "true"
	assert_fsck_clean
}

@test "promote: killed at any write, fsync, rename or commit, the registry is either before or after, never between" {
	mlv promote churn@1 production >/dev/null
	rm -f "$BATS_TEST_TMPDIR/points"
	MLV_FAULT_LOG="$BATS_TEST_TMPDIR/points" mlv promote churn@2 production >/dev/null
	npoints=$(wc -l < "$BATS_TEST_TMPDIR/points")
	[ "$npoints" -ge 5 ]
	mlv rollback churn production >/dev/null
	cp -a .mlv "$BATS_TEST_TMPDIR/pristine"
	n0=$(mlv history churn --json | jq '.events | length')
	for n in $(seq 1 "$npoints"); do
		rm -rf .mlv && cp -a "$BATS_TEST_TMPDIR/pristine" .mlv
		MLV_FAULT_AT=$n run mlv promote churn@2 production
		[ "$status" -ne 0 ]
		run mlv history churn --json
		len=$(jq '.events | length' <<<"$output")
		holder=$(mlv resolve churn@production | cut -d' ' -f1)
		if [ "$len" -eq "$n0" ]; then
			assert_eq "$holder" "churn@1" "holder after a kill at point $n"
		else
			assert_eq "$len" "$((n0 + 1))" "events after a kill at point $n"
			assert_eq "$holder" "churn@2" "holder after a kill at point $n"
		fi
		# only leftovers that gc removes, never a broken chain or a stale index
		run mlv fsck --json
		assert_eq "$(jq -r '[.problems[].kind | select(. != "unindexed-pack")] | length' <<<"$output")" "0" "fsck after a kill at point $n"
		mlv gc --prune=now >/dev/null 2>&1
		assert_fsck_clean
	done
}
