#!/usr/bin/env bats
# Hostile paths given on the command line and met in the work tree: track,
# checkout and get refuse to reach outside the work tree or into .git/.mlv,
# and a sentinel directory beside the work tree stays byte-identical. (Hostile
# names inside trees are in tests/unit/test_hostile.c.)

load helper
load plumbing
load data
load registry

setup() {
	mlv_setup
	mkdir "$TEST_ROOT/outside"
	printf 'sentinel\n' >"$TEST_ROOT/outside/x"
	git init -q . && git commit -q --allow-empty -m init && mlv init -q
	before=$(sentinel_state)
}

sentinel_state() {
	(cd "$TEST_ROOT/outside" && find . -printf '%p %y %m %s %l\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

@test "hostile paths: track refuses paths outside the work tree, into .git/.mlv and through symlinks" {
	printf 'data\n' >f
	ln -s "$TEST_ROOT/outside" out
	mkdir .git/sub 2>/dev/null || true
	printf 'x\n' >.git/sub/y
	local refused=0 total=0 p
	for p in ../outside/x "$TEST_ROOT/outside/x" "a/../../outside/x" out/x .git/sub/y .GIT/sub/y .mlv/format \
		./.mlv/config "..\\x" ; do
		total=$((total + 1))
		run --separate-stderr mlv track "$p"
		if [ "$status" -eq 128 ] && [[ "$stderr" == "mlv: error: "* ]]; then refused=$((refused + 1)); else
			echo "track '$p': exit $status: $output $stderr" >&2; fi
	done
	echo "# track: $refused of $total hostile paths refused" >&3
	[ "$refused" -eq "$total" ]
	[ ! -e "$TEST_ROOT/outside/x.mlv" ] && [ ! -e "$TEST_ROOT/x.mlv" ] && [ ! -e .git/sub/y.mlv ]
	# the link itself may be tracked: as a link, never as the directory it names
	mlv track -q out
	assert_eq "$(cat out.mlv)" "$(ptr_link out)"
	assert_eq "$(sentinel_state)" "$before"
}

@test "hostile paths: checkout does not write through a symlinked directory in the work tree" {
	mkdir d && printf 'inside\n' >d/x
	mlv track -q d
	# d becomes a link to the sentinel: checkout -f replaces the link, never writes into it
	rm -rf d && ln -s "$TEST_ROOT/outside" d
	run --separate-stderr mlv checkout d/x
	[ "$status" -ne 0 ]
	assert_eq "$(sentinel_state)" "$before"
	run --separate-stderr mlv checkout -f
	assert_eq "$(sentinel_state)" "$before"
	if [ "$status" -eq 0 ]; then
		[ -d d ] && [ ! -L d ] && assert_eq "$(cat d/x)" inside
	fi
}
