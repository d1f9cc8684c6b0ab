#!/usr/bin/env bats
# mlv gc: unreferenced objects go once past the grace period, and only then.

load helper
load plumbing
load gitdata

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
	now=$(date +%s)   # again: the loop above may take seconds (sanitizers, a loaded machine)
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
	now=$(date +%s)
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

@test "gc: data only an old commit names survives until no ref or reflog reaches it" {
	repo_init
	put data/x.csv 'main version\n'
	MAIN=$(sha data/x.csv)
	commit v1
	git checkout -q -b old
	put data/x.csv 'only on the old branch\n'
	OLD=$(sha data/x.csv)
	commit old
	git checkout -q main
	mlv checkout >/dev/null
	run --separate-stderr mlv gc --prune=now --json
	assert_status 0
	assert_eq "$(jq -r .objects_removed <<<"$output")" 0
	mlv cat-object -e "$OLD"
	# The branch is gone but HEAD's reflog still names the commit, as for git gc.
	git branch -q -D old
	run --separate-stderr mlv gc --prune=now
	assert_status 0
	mlv cat-object -e "$OLD"
	git reflog expire --expire=now --all
	run --separate-stderr mlv gc --prune=now --json
	assert_status 0
	assert_eq "$(jq -r '[.removed[].oid] | join(" ")' <<<"$output")" "$OLD"
	run mlv cat-object -e "$OLD"
	assert_status 1
	assert_eq "$(mlv cat-object blob "$MAIN")" "main version"
	assert_fsck_clean
}

@test "gc: pointers in the work tree, the index, tags and a detached HEAD are roots" {
	repo_init
	put a.csv 'committed on a tag only\n'
	TAGGED=$(sha a.csv)
	commit tagged
	git tag -a -m t v1
	put a.csv 'detached HEAD only\n'
	DETACHED=$(sha a.csv)
	commit detached
	git checkout -q --detach
	git branch -q -D main
	put b.csv 'staged, not committed\n'
	STAGED=$(sha b.csv)
	git add b.csv.mlv
	put b.csv 'in the work tree only\n'
	WT=$(sha b.csv)
	mkdir sub
	printf 'x' >sub/f
	mlv track sub >/dev/null
	SUB=$(mlv rev-parse sub)
	git reflog expire --expire=now --all
	run --separate-stderr mlv gc --prune=now --json
	assert_status 0
	assert_eq "$(jq -r .objects_removed <<<"$output")" 0
	for id in "$TAGGED" "$DETACHED" "$STAGED" "$WT" "$SUB" "$(sha sub/f)"; do
		mlv cat-object -e "$id" || { echo "$id was removed" >&2; return 1; }
	done
}

@test "gc: linked git work trees are roots: their detached HEAD, index and pointer files, from either side" {
	mkdir main && cd main
	repo_init
	put a.csv 'main branch\n'
	commit one
	git worktree add -q --detach ../wt2
	cd ../wt2
	mlv init -q --store ../main/.mlv
	printf '/.mlv/\n' >>.gitignore
	put b.csv 'committed on the detached HEAD of wt2 only\n'
	commit two
	DETACHED=$(sha b.csv)
	put c.csv 'staged in wt2 only\n'
	git add c.csv.mlv
	STAGED=$(sha c.csv)
	put c.csv 'in the work tree of wt2 only\n'
	WT=$(sha c.csv)
	git reflog expire --expire=now --all
	# from the main work tree: the linked one holds them
	cd ../main
	run --separate-stderr mlv gc --prune=now --json
	assert_status 0
	assert_eq "$(jq -r .objects_removed <<<"$output")" 0
	for id in "$DETACHED" "$STAGED" "$WT"; do
		mlv cat-object -e "$id" || { echo "$id was removed" >&2; return 1; }
	done
	# from the linked one: the main work tree's pointers are roots too
	put d.csv 'in the main work tree only\n'
	MAINWT=$(sha d.csv)
	cd ../wt2
	run --separate-stderr mlv gc --prune=now --json
	assert_status 0
	assert_eq "$(jq -r .objects_removed <<<"$output")" 0
	mlv cat-object -e "$MAINWT"
	# a linked work tree deleted without 'git worktree prune': what it held is unknown, nothing is deleted
	cd ../main
	rm -rf ../wt2
	run --separate-stderr mlv gc --prune=now
	assert_status 128
	[[ "$stderr" == "mlv: error: cannot list what is in use (cannot open the linked work tree 'wt2' (if it was deleted, 'git worktree prune' forgets it)"* ]]
	mlv cat-object -e "$DETACHED"
	# once git forgets it, its data goes
	git worktree prune
	run --separate-stderr mlv gc --prune=now --json
	assert_status 0
	assert_eq "$(jq -r .objects_removed <<<"$output")" 3
	! mlv cat-object -e "$DETACHED"
	mlv cat-object -e "$MAINWT"
}

@test "gc: when the git roots cannot be listed, nothing is deleted" {
	repo_init
	put a.csv 'kept\n'
	commit one
	printf 'unreferenced' >loose
	LOOSE=$(mlv hash-object -w loose)
	# A branch naming a commit that does not exist.
	echo 0123456789012345678901234567890123456789 >.git/refs/heads/broken
	run --separate-stderr mlv gc --prune=now
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: cannot list what is in use (cannot read refs/heads/broken: object not found"*"); nothing was deleted" ]]
	mlv cat-object -e "$LOOSE"
	rm .git/refs/heads/broken
	run --separate-stderr mlv gc --prune=now
	assert_status 0
	run mlv cat-object -e "$LOOSE"
	assert_status 1
	mlv cat-object -e "$(sha a.csv)"
}

@test "gc: unparseable pointers do not stop gc" {
	repo_init
	put a.csv 'kept\n'
	commit_pointer bad.csv 'not json' "bad pointer"
	printf 'garbage' >worse.mlv
	run --separate-stderr mlv gc --prune=now
	assert_status 0
	mlv cat-object -e "$(sha a.csv)"
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
