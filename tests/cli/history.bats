#!/usr/bin/env bats
# mlv history (the event log, --alias, --at) and mlv models.

load helper
load plumbing
load registry

setup() {
	mlv_setup
	reg_init
	# pinned clocks: 2026-03-01T10:00:00Z, then a minute per event
	t=1772359200000
	for step in "reg one" "reg two" "promote 1" "promote 2" "rollback" "unalias"; do
		export MLV_TEST_NOW_MS=$t
		case $step in
		"reg one") reg_model churn one -m "first" ;;
		"reg two") reg_model churn two ;;
		"promote 1") mlv promote churn@1 production >/dev/null ;;
		"promote 2") mlv promote churn@2 production --gate 'version > production.version' >/dev/null ;;
		rollback) mlv rollback churn production -m oops >/dev/null ;;
		unalias) mlv unalias churn production >/dev/null ;;
		esac
		t=$((t + 60000))
	done
	unset MLV_TEST_NOW_MS
}

teardown() {
	mlv_teardown
}

@test "history: every event, oldest first, with time, identity, message and gates" {
	run --separate-stderr mlv history churn
	assert_status 0
	assert_eq "$output" "1    2026-03-01T10:00:00.000Z  register  churn@1  A U Thor <author@example.com>  \"first\"
2    2026-03-01T10:01:00.000Z  register  churn@2  A U Thor <author@example.com>
3    2026-03-01T10:02:00.000Z  promote   production -> churn@1  A U Thor <author@example.com>
4    2026-03-01T10:03:00.000Z  promote   production -> churn@2 (was churn@1)  A U Thor <author@example.com>
       gate pass  version (2) > production.version (1) → true
5    2026-03-01T10:04:00.000Z  rollback  production -> churn@1 (was churn@2)  A U Thor <author@example.com>  \"oops\"
6    2026-03-01T10:05:00.000Z  unalias   production (was churn@1)  A U Thor <author@example.com>"
}

@test "history --json: the stored events with their ids, each naming its predecessor" {
	run mlv history churn --json
	assert_eq "$(jq -r .schema <<<"$output")" "mlv.history/1"
	assert_eq "$(jq -r '.events[0].prev' <<<"$output")" "null"
	assert_eq "$(jq -c '[.events[1:][].prev] == [.events[:-1][].id]' <<<"$output")" "true"
	assert_eq "$(jq -r '.events[2] | [.schema, .model, .seq, .type, .alias, .version, .time, .identity.email] | map(tostring) | join(" ")' <<<"$output")" \
		"mlv.model-event/1 churn 3 promote production 1 2026-03-01T10:02:00.000Z author@example.com"
	# each id is the stored event itself
	id=$(jq -r '.events[3].id' <<<"$output")
	assert_eq "$(mlv cat-object json "$id" | jq -c .)" "$(jq -c '.events[3] | del(.id)' <<<"$output")"
	# the register event names the version record and the artifact
	assert_eq "$(jq -r '.events[0].artifact' <<<"$output")" "$(mlv resolve --json churn@1 | jq -r .oid)"
	assert_eq "$(jq -r '.events[0].record' <<<"$output")" "$(mlv resolve --json churn@1 | jq -r .record)"
}

@test "history --alias: only that alias's events" {
	mlv promote churn@2 staging >/dev/null
	run mlv history churn --alias staging --json
	assert_eq "$(jq -c '[.events[] | [.type, .version]]' <<<"$output")" '[["promote",2]]'
}

@test "history --at: where each alias pointed at a time (ISO 8601 or @epoch)" {
	mlv promote churn@2 staging >/dev/null
	run mlv history churn --at 2026-03-01T10:03:30Z
	assert_status 0
	assert_eq "$output" "production  churn@2  (since 2026-03-01T10:03:00.000Z, event 4)"
	assert_eq "$(mlv history churn --at '2026-03-01 10:02' --json | jq -c '.aliases.production.version')" "1"
	assert_eq "$(mlv history churn --at '2026-03-01T11:02:59+01:00' --json | jq -c '.aliases.production.version')" "1"
	assert_eq "$(mlv history churn --at @1772359439 --json | jq -c '.aliases.production.version')" "2"
	assert_eq "$(mlv history churn --at 2026-03-01T10:04:00Z --json | jq -c '.aliases.production.version')" "1"
	# removed by then: unset; first set later: left out
	run mlv history churn --at 2026-03-01T10:30:00Z --json
	assert_eq "$(jq -c '.aliases.production' <<<"$output")" '{"version":null,"seq":6,"since":"2026-03-01T10:05:00.000Z"}'
	assert_eq "$(jq -r '.aliases | keys | join(" ")' <<<"$output")" "production"
	run mlv history churn --at 2026-03-01
	assert_eq "$output" "no alias of churn was set at 2026-03-01T00:00:00.000Z"
	# now: staging is set too
	assert_eq "$(mlv history churn --at @9999999999 --json | jq -c '.aliases.staging.version')" "2"
	assert_eq "$(mlv history churn --at @9999999999 --alias staging --json | jq -r '.aliases | keys | join(" ")')" "staging"
}

@test "history: bad input" {
	run --separate-stderr mlv history churn --at yesterday
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid time 'yesterday': expected ISO 8601 (2026-03-03T14:00:00Z, 2026-03-03 14:00+01:00, 2026-03-03) or @<epoch seconds>"
	run --separate-stderr mlv history nosuch
	assert_status 128
	assert_eq "$stderr" "mlv: error: no model 'nosuch'"
	run --separate-stderr mlv history churn --alias 7
	assert_status 128
	run --separate-stderr mlv history
	assert_status 129
}

@test "models: each model, its latest version and aliases" {
	reg_model fraud x
	mlv promote churn@2 staging >/dev/null
	mlv promote churn@1 production >/dev/null
	run --separate-stderr mlv models
	assert_status 0
	assert_eq "$output" "churn  latest 2  production=1  staging=2
fraud  latest 1"
	run mlv models --json
	assert_eq "$(jq -c '[.schema, (.models[] | [.name, .latest, .events, .aliases])]' <<<"$output")" \
		'["mlv.models/1",["churn",2,8,{"production":1,"staging":2}],["fraud",1,1,{}]]'
}

@test "models: an empty registry lists nothing" {
	cd .. && mkdir empty && cd empty && store_init
	run --separate-stderr mlv models
	assert_status 0
	assert_eq "$output" ""
	assert_eq "$(mlv models --json)" '{"schema":"mlv.models/1","models":[]}'
}

@test "fsck: counts the chains; --rebuild-index replays them; a damaged event is a bad chain" {
	run --separate-stderr mlv fsck
	assert_status 0
	[[ "$stderr" == *", 1 model with 6 events: no problems" ]]
	assert_eq "$(mlv fsck --json | jq -c '[.models, .events, .ok]')" "[1,6,true]"
	run mlv fsck --rebuild-index
	assert_status 0
	assert_eq "$(mlv history churn --at 2026-03-01T10:03:30Z)" "production  churn@2  (since 2026-03-01T10:03:00.000Z, event 4)"
	# the newest pack holds only the last event: damage its bytes
	mlv promote churn@2 staging >/dev/null
	pack=$(ls -t .mlv/objects/pack/*.pack | head -1)
	chmod u+w "$pack"
	flip_byte "$pack" 80
	run --separate-stderr mlv fsck
	assert_status 1
	[[ "$output" == *"bad-chain "*"event 7 of model 'churn' ("*") cannot be read"* ]]
}
