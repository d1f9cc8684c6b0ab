#!/usr/bin/env bats
# mlv init: creating a store, running it again, where it works, its JSON, and
# what a command that needs a store says outside one.

load helper

@test "init creates .mlv in the current directory and says where" {
	run --separate-stderr mlv init
	[ "$status" -eq 0 ]
	[ "$output" = "Initialized empty mlv store in $TEST_ROOT/work/.mlv/" ]
	[ -z "$stderr" ]
	[ -d .mlv ]
}

@test "init again is safe and says so" {
	mlv init
	mkdir .mlv/marker-kept
	run --separate-stderr mlv init
	[ "$status" -eq 0 ]
	[ "$output" = "Reinitialized existing mlv store in $TEST_ROOT/work/.mlv/" ]
	[ -d .mlv/marker-kept ]
}

@test "init -q prints nothing" {
	run --separate-stderr mlv init -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ -d .mlv ]
	run --separate-stderr mlv init --quiet
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "init --json prints the schema, the path and whether it was created" {
	run --separate-stderr mlv init --json
	[ "$status" -eq 0 ]
	[ "$output" = "{\"schema\":\"mlv.init/1\",\"path\":\"$TEST_ROOT/work/.mlv\",\"created\":true}" ]
	[ -z "$stderr" ]
	run --separate-stderr mlv init --json -q
	[ "$status" -eq 0 ]
	[ "$output" = "{\"schema\":\"mlv.init/1\",\"path\":\"$TEST_ROOT/work/.mlv\",\"created\":false}" ]
}

@test "init --json escapes the path" {
	mkdir 'we "ird\dir'
	cd 'we "ird\dir'
	run --separate-stderr mlv init --json
	[ "$status" -eq 0 ]
	[ "$output" = "{\"schema\":\"mlv.init/1\",\"path\":\"$TEST_ROOT/work/we \\\"ird\\\\dir/.mlv\",\"created\":true}" ]
}

@test "init works at the top of a git work tree and leaves git alone" {
	git init -q .
	run mlv init
	[ "$status" -eq 0 ]
	[ -d .mlv ]
	[ -d .git ]
	[ "$output" = "Initialized empty mlv store in $TEST_ROOT/work/.mlv/" ]
	git rev-parse --git-dir >/dev/null
}

@test "init works in a subdirectory of a git work tree, creating the store there" {
	git init -q .
	mkdir -p sub/dir
	cd sub/dir
	run mlv init
	[ "$status" -eq 0 ]
	[ -d "$TEST_ROOT/work/sub/dir/.mlv" ]
	[ ! -e "$TEST_ROOT/work/.mlv" ]
}

@test "init works outside any git work tree" {
	export GIT_CEILING_DIRECTORIES="$TEST_ROOT"
	run git rev-parse --git-dir
	[ "$status" -ne 0 ]
	run mlv init
	[ "$status" -eq 0 ]
	[ -d .mlv ]
}

@test "init with -C creates the store in that directory" {
	mkdir proj
	run --separate-stderr mlv -C proj init
	[ "$status" -eq 0 ]
	[ "$output" = "Initialized empty mlv store in $TEST_ROOT/work/proj/.mlv/" ]
	[ -d proj/.mlv ]
	[ ! -e .mlv ]
}

@test "init honours MLV_DIR" {
	mkdir elsewhere
	MLV_DIR=elsewhere/store run --separate-stderr mlv init --json
	[ "$status" -eq 0 ]
	[ "$output" = "{\"schema\":\"mlv.init/1\",\"path\":\"$TEST_ROOT/work/elsewhere/store\",\"created\":true}" ]
	[ -d elsewhere/store ]
	[ ! -e .mlv ]
}

@test "init where a file named .mlv is in the way fails and keeps the file" {
	echo precious > .mlv
	run --separate-stderr mlv init
	[ "$status" -eq 128 ]
	[[ "$stderr" == "mlv: error: "* ]]
	[ "$(cat .mlv)" = precious ]
}

@test "init takes no arguments" {
	run --separate-stderr mlv init somewhere
	[ "$status" -eq 129 ]
	[[ "$stderr" == "mlv: init takes no arguments"* ]]
	[ ! -e .mlv ]
	[ ! -e somewhere ]
}

@test "a command that needs a store fails outside one with 128" {
	export GIT_CEILING_DIRECTORIES="$TEST_ROOT"
	run --separate-stderr mlv cat-object -t 0000
	[ "$status" -eq 128 ]
	[[ "$stderr" == "mlv: error: not in a mlv store"* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ -z "$output" ]
}

@test "a command finds the store from a subdirectory" {
	mlv init -q
	mkdir -p a/b
	run --separate-stderr mlv -C a/b fsck
	[[ "$stderr" != *"not in a mlv store"* ]]
}

@test "init: git never picks up the store (git add -A adds no file under .mlv)" {
	git init -q
	mlv init -q
	printf 'x\n' > f
	mlv hash-object -w f >/dev/null
	git add -A
	run git ls-files
	[ "$status" -eq 0 ]
	[ "$output" = "f" ]
	[ "$(cat .mlv/.gitignore | tail -n 1)" = "*" ]
	# re-running init keeps it (and adds it to a store made before it existed)
	rm .mlv/.gitignore
	mlv init -q
	[ -f .mlv/.gitignore ]
}
