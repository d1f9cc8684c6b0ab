#!/usr/bin/env bats
# mlv untrack: the pointer and its .gitignore line go, the data stays as a
# plain file; bad arguments change nothing.

load helper
load plumbing
load data

@test "untrack: removes the pointer and the .gitignore line; the data stays" {
	repo_init
	printf 'a\n' >a.csv
	printf 'b\n' >b.csv
	mkdir d && printf 'f\n' >d/f
	printf '# mine\n*.tmp\n' >.gitignore
	mlv track -q a.csv b.csv d
	printf '# mine\n*.tmp\n/a.csv\n/b.csv\n/d\n' | cmp - .gitignore
	run --separate-stderr mlv untrack a.csv d
	assert_status 0
	assert_eq "$output" "untracked a.csv
untracked d"
	assert_eq "$stderr" ""
	[ ! -e a.csv.mlv ] && [ ! -e d.mlv ] && [ -e b.csv.mlv ]
	printf '# mine\n*.tmp\n/b.csv\n' | cmp - .gitignore
	assert_eq "$(cat a.csv)" a
	assert_eq "$(cat d/f)" f
	# git now sees the data as untracked files
	assert_eq "$(git status --porcelain --untracked-files=all -- a.csv d)" "?? a.csv
?? d/f"
	# the data stays in the store until gc: tracking again is "new" and stores nothing
	run --separate-stderr mlv track --json a.csv
	assert_eq "$(jq -r '.paths[0].state' <<<"$output")" new
	assert_eq "$(jq -c .stored.chunks_new <<<"$output")" 0
	assert_fsck_clean
}

@test "untrack: the last line leaves an empty .gitignore; a subdirectory's .gitignore is the one changed" {
	repo_init
	mkdir sub
	printf 'x\n' >sub/x
	mlv track -q sub/x
	printf '/x\n' | cmp - sub/.gitignore
	cd sub
	run --separate-stderr mlv untrack -q x.mlv
	assert_status 0
	assert_eq "$output" ""
	[ -e .gitignore ] && [ ! -s .gitignore ]
	[ ! -e x.mlv ]
	assert_eq "$(cat x)" x
}

@test "untrack: a symlink stays a symlink" {
	repo_init
	ln -s somewhere lnk
	mlv track -q lnk
	run --separate-stderr mlv untrack lnk
	assert_status 0
	[ -L lnk ] && assert_eq "$(readlink lnk)" somewhere
	[ ! -e lnk.mlv ]
}

@test "untrack: a pointer that does not parse is removed all the same" {
	repo_init
	printf 'x\n' >x
	mlv track -q x
	printf 'garbage' >x.mlv
	run --separate-stderr mlv untrack x
	assert_status 0
	[ ! -e x.mlv ]
	[ ! -s .gitignore ]
	assert_eq "$(cat x)" x
}

@test "untrack: a path that is not tracked, named twice, or refused changes nothing" {
	repo_init
	printf 'a\n' >a
	mkdir d && printf 'f\n' >d/f
	mlv track -q a d
	before=$(tree_state)
	check() {
		local msg=$1
		shift
		run --separate-stderr mlv untrack "$@"
		assert_status 128
		assert_eq "$output" ""
		assert_eq "$stderr" "mlv: error: $msg"
		assert_eq "$(tree_state)" "$before"
	}
	# the first, tracked, argument is not untracked either
	check "'nope' is not tracked" a nope
	check "'d/f' is not tracked" a d/f
	check "'./a' is named twice" a ./a
	check "'a.mlv' is named twice" a a.mlv
	check "'../x' is outside the work tree '$TEST_ROOT/work'" a ../x
	check "'.git/config' is inside '.git', which mlv never tracks" a .git/config
	check "'.MLV' is inside '.MLV', which mlv never tracks" .MLV
	assert_fsck_clean
}

@test "untrack: -h, unknown options and no path are usage errors" {
	repo_init
	printf 'a\n' >a
	mlv track -q a
	run --separate-stderr mlv untrack -h
	assert_status 129
	assert_eq "$(head -1 <<<"$output")" "usage: mlv untrack [-q] <path>..."
	run --separate-stderr mlv untrack --bogus a
	assert_status 129
	assert_eq "$(head -1 <<<"$stderr")" "mlv: unknown option '--bogus'"
	run --separate-stderr mlv untrack
	assert_status 129
	assert_eq "$(head -1 <<<"$stderr")" "usage: mlv untrack [-q] <path>..."
	[ -e a.mlv ]
}
