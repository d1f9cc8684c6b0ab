#!/usr/bin/env bats
# mlv gc: unreferenced objects go once past the grace period, and only then.

load helper
load plumbing

setup_store() {
	store_init
	printf 'loose one' >one
	noise 100000 >two
	ONE=$(mlv hash-object -w one)
	TWO=$(mlv hash-object -w two)
}

@test "gc: within the default grace period nothing is removed" {
	setup_store
	run --separate-stderr mlv gc
	assert_status 0
	[[ "$output" == "removed 0 objects (0 chunks), kept 2 objects ("*" chunks)
pack bytes: "*" before, "*" after" ]]
	mlv cat-object blob "$ONE" | cmp - one
	mlv cat-object blob "$TWO" | cmp - two
	assert_fsck_clean
}

@test "gc --dry-run --prune=now: lists what would go and removes nothing" {
	setup_store
	before=$(pack_files | xargs cat | sha256sum)
	run --separate-stderr mlv gc --dry-run --prune=now
	assert_status 0
	[[ "$output" == *"would remove blob $ONE 9"* ]]
	[[ "$output" == *"would remove blob $TWO 100000"* ]]
	[[ "$output" == *"would remove 2 objects"* ]]
	assert_eq "$(pack_files | xargs cat | sha256sum)" "$before"
	mlv cat-object blob "$ONE" | cmp - one
	assert_fsck_clean
}

@test "gc --prune=now: removes unreferenced objects, the store stays clean" {
	setup_store
	run --separate-stderr mlv gc --prune=now --json
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" mlv.gc/1
	assert_eq "$(jq -r .dry_run <<<"$output")" false
	assert_eq "$(jq -r .objects_removed <<<"$output")" 2
	assert_eq "$(jq -r .objects_kept <<<"$output")" 0
	assert_eq "$(jq -r '[.removed[].oid] | sort | join(" ")' <<<"$output")" \
		"$(printf '%s\n' "$ONE" "$TWO" | sort | tr '\n' ' ' | sed 's/ $//')"
	[ "$(jq -r .bytes_after <<<"$output")" -lt "$(jq -r .bytes_before <<<"$output")" ]
	run mlv cat-object -e "$ONE"
	assert_status 1
	run mlv cat-object -e "$TWO"
	assert_status 1
	assert_fsck_clean
	# The files the objects came from are untouched, and can be stored again.
	assert_eq "$(mlv hash-object -w one)" "$ONE"
	mlv cat-object blob "$ONE" | cmp - one
	assert_fsck_clean
}

@test "gc --prune=<age>: accepted forms" {
	setup_store
	now=$(date +%s)
	for age in 3.days 2.weeks.ago 1.week.ago 90.minutes 10.seconds.ago "12 hours ago" 1.hour; do
		run --separate-stderr mlv gc --dry-run --json "--prune=$age"
		assert_status 0
		exp=$(jq -r .expire <<<"$output")
		[ "$exp" -lt "$now" ] || { echo "$age: expire $exp" >&2; return 1; }
		assert_eq "$(jq -r .objects_removed <<<"$output")" 0 "$age removes"
	done
	run --separate-stderr mlv gc --dry-run --json --prune=3.days
	exp=$(jq -r .expire <<<"$output")
	[ $((now - 3 * 86400 - exp)) -le 2 ] && [ $((now - 3 * 86400 - exp)) -ge -2 ]
	run --separate-stderr mlv gc --dry-run --json --prune=never
	assert_status 0
	assert_eq "$(jq -r .expire <<<"$output")" null
	assert_eq "$(jq -r .objects_removed <<<"$output")" 0
	run --separate-stderr mlv gc --dry-run --json "--prune=@$((now + 100))"
	assert_status 0
	assert_eq "$(jq -r .expire <<<"$output")" $((now + 100))
	assert_eq "$(jq -r .objects_removed <<<"$output")" 2
	run --separate-stderr mlv gc --dry-run --json --prune=@1000
	assert_eq "$(jq -r .objects_removed <<<"$output")" 0
	# --prune alone is the default grace period.
	run --separate-stderr mlv gc --dry-run --json --prune
	assert_status 0
	exp=$(jq -r .expire <<<"$output")
	[ $((now - 14 * 86400 - exp)) -le 2 ] && [ $((now - 14 * 86400 - exp)) -ge -2 ]
}

@test "gc --prune: a bad value is a usage error and removes nothing" {
	setup_store
	for age in yesterday 3.fortnights @abc -1.days 3 3.days.later "" 99999999999999999999.days; do
		run --separate-stderr mlv gc "--prune=$age"
		[ "$status" -eq 129 ] || { echo "--prune=$age: exit $status" >&2; return 1; }
		assert_eq "$output" ""
		assert_eq "$stderr" "mlv: error: invalid --prune value '$age' (expected now, never, @<epoch> or <n>.<unit>[.ago] with unit seconds, minutes, hours, days or weeks)"
	done
	mlv cat-object blob "$ONE" | cmp - one
	assert_fsck_clean
}

@test "gc: a damaged store is not made worse" {
	setup_store
	pack=$(find .mlv/objects/pack -type f -size +10k | head -1)
	cp "$pack" pack.orig
	flip_byte "$pack" 5000
	run --separate-stderr mlv gc --prune=never
	# Whatever gc decides, fsck still finds the damage it did not cause.
	run mlv fsck
	assert_status 1
}

@test "gc: outside a store" {
	run --separate-stderr mlv gc
	assert_status 128
	assert_eq "$stderr" "mlv: error: not in a mlv store (or any parent directory); run 'mlv init' first"
}

@test "gc: usage errors exit 129" {
	store_init
	run --separate-stderr mlv gc extra
	assert_status 129
	[[ "$stderr" == *"mlv gc [--dry-run] [--prune=<age>] [--json]"* ]]
	run --separate-stderr mlv gc -h
	assert_status 129
	run --separate-stderr mlv gc --bogus
	assert_status 129
}
