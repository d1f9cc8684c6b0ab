#!/usr/bin/env bats
# mlv install-hooks: git hooks that run mlv checkout and mlv status; the
# hooks already there are kept and chained; .pre-commit-hooks.yaml for the
# pre-commit framework.

load helper
load plumbing
load gitdata

HOOKS="post-checkout post-merge pre-commit"

# A `mlv` first on PATH that logs its arguments to $TEST_ROOT/mlv.log, then
# runs the real one: what the hooks ran, and with which arguments.
log_mlv_calls() {
	mkdir -p "$TEST_ROOT/logbin"
	cat >"$TEST_ROOT/logbin/mlv" <<EOS
#!/bin/sh
echo "\$*" >>"$TEST_ROOT/mlv.log"
exec "$MLV_BIN" "\$@"
EOS
	chmod +x "$TEST_ROOT/logbin/mlv"
	export PATH="$TEST_ROOT/logbin:$PATH"
	: >"$TEST_ROOT/mlv.log"
}

@test "install-hooks: writes the three hooks, executable; again changes nothing" {
	repo_init
	run --separate-stderr mlv install-hooks
	assert_status 0
	assert_eq "$stderr" ""
	assert_eq "$output" "installed $PWD/.git/hooks/post-checkout
installed $PWD/.git/hooks/post-merge
installed $PWD/.git/hooks/pre-commit"
	for h in $HOOKS; do
		[ -x ".git/hooks/$h" ]
		head -2 ".git/hooks/$h" | grep -q '^# mlv-managed hook'
	done
	before=$(cat .git/hooks/post-checkout .git/hooks/post-merge .git/hooks/pre-commit | sha256sum)
	run --separate-stderr mlv install-hooks --json
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" mlv.install-hooks/1
	assert_eq "$(jq -r .hooks_dir <<<"$output")" "$PWD/.git/hooks"
	assert_eq "$(jq -c '[.hooks[] | [.name, .action, .chained]]' <<<"$output")" \
		'[["post-checkout","unchanged",null],["post-merge","unchanged",null],["pre-commit","unchanged",null]]'
	assert_eq "$(cat .git/hooks/post-checkout .git/hooks/post-merge .git/hooks/pre-commit | sha256sum)" "$before"
	[ -z "$(find .git/hooks -name '*.pre-mlv')" ]
}

@test "install-hooks: an existing hook is kept, chained once, and runs first" {
	repo_init
	put x.csv 'a\n'
	commit one
	printf '#!/bin/sh\necho "user hook ran" >>"%s/user.log"\n' "$TEST_ROOT" >.git/hooks/pre-commit
	chmod +x .git/hooks/pre-commit
	user_hook=$(sha .git/hooks/pre-commit)
	run --separate-stderr mlv install-hooks
	assert_status 0
	assert_eq "$(sed -n 3p <<<"$output")" "chained   $PWD/.git/hooks/pre-commit (runs pre-commit.pre-mlv first)"
	assert_eq "$(sha .git/hooks/pre-commit.pre-mlv)" "$user_hook"
	run --separate-stderr mlv install-hooks --json
	assert_eq "$(jq -c '.hooks[2] | [.action, .chained]' <<<"$output")" '["unchanged","pre-commit.pre-mlv"]'
	assert_eq "$(find .git/hooks -name '*.pre-mlv*' | wc -l)" 1
	assert_eq "$(sha .git/hooks/pre-commit.pre-mlv)" "$user_hook"
	put x.csv 'b\n'
	git add -A
	git commit -q -m two
	assert_eq "$(cat "$TEST_ROOT/user.log")" "user hook ran"
	# The chained hook's failure stops the commit.
	printf '#!/bin/sh\nexit 3\n' >.git/hooks/pre-commit.pre-mlv
	put x.csv 'c\n'
	git add -A
	run git commit -q -m three
	assert_status 1
	assert_eq "$(git log --format=%s -1)" two
}

@test "install-hooks: pre-commit refuses pointers whose data changed after mlv track" {
	repo_init
	install_out=$(mlv install-hooks)
	log_mlv_calls
	put data/x.csv 'a\n'
	commit "clean commit"
	assert_eq "$(git log --format=%s -1)" "clean commit"
	assert_eq "$(cat "$TEST_ROOT/mlv.log")" "track data/x.csv
status --exit-code -- data/x.csv"
	put data/x.csv 'b\n'
	printf 'changed after track\n' >data/x.csv
	git add -A
	run --separate-stderr git commit -q -m "stale pointer"
	assert_status 1
	[[ "$stderr" == *"data/x.csv"* ]]
	assert_eq "$(git log --format=%s -1)" "clean commit"
	# Re-tracking makes it committable; commits without pointers never run mlv.
	mlv track data/x.csv >/dev/null
	git add -A
	git commit -q -m "re-tracked"
	: >"$TEST_ROOT/mlv.log"
	echo code >code.txt
	git add code.txt
	git commit -q -m "code only"
	assert_eq "$(cat "$TEST_ROOT/mlv.log")" ""
}

@test "install-hooks: post-checkout runs mlv checkout for a branch checkout only; post-merge always" {
	repo_init
	mlv install-hooks >/dev/null
	put data/x.csv 'version one\n'
	commit v1
	git checkout -q -b other
	put data/x.csv 'version two\n'
	commit v2
	log_mlv_calls
	git checkout -q main
	assert_eq "$(cat data/x.csv)" "version one"
	assert_eq "$(cat "$TEST_ROOT/mlv.log")" "checkout"
	: >"$TEST_ROOT/mlv.log"
	git checkout -q other -- data/x.csv.mlv
	assert_eq "$(cat "$TEST_ROOT/mlv.log")" ""
	git checkout -q -- data/x.csv.mlv
	git merge -q --ff-only other
	assert_eq "$(cat data/x.csv)" "version two"
	assert_eq "$(cat "$TEST_ROOT/mlv.log")" "checkout"
}

@test "install-hooks: core.hooksPath is respected" {
	repo_init
	git config core.hooksPath ci/hooks
	run --separate-stderr mlv install-hooks
	assert_status 0
	assert_eq "$(sed -n 1p <<<"$output")" "installed $PWD/ci/hooks/post-checkout"
	[ -x ci/hooks/pre-commit ]
	[ ! -e .git/hooks/pre-commit ]
}

@test "install-hooks: a foreign hook and a .pre-mlv beside it: refused, nothing changed" {
	repo_init
	printf '#!/bin/sh\necho mine\n' >.git/hooks/post-merge
	printf '#!/bin/sh\necho older\n' >.git/hooks/post-merge.pre-mlv
	run --separate-stderr mlv install-hooks
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: cannot install the post-merge hook: '$PWD/.git/hooks/post-merge' is not mlv's and '$PWD/.git/hooks/post-merge.pre-mlv' exists already (merge them by hand, then run mlv install-hooks again)"
	assert_eq "$(cat .git/hooks/post-merge)" "#!/bin/sh
echo mine"
	assert_eq "$(cat .git/hooks/post-merge.pre-mlv)" "#!/bin/sh
echo older"
}

@test "install-hooks: outside git; usage errors" {
	run --separate-stderr mlv install-hooks
	assert_status 128
	assert_eq "$stderr" "mlv: error: '$PWD' is not in a git work tree"
	run --separate-stderr mlv install-hooks extra
	assert_status 129
	[[ "$stderr" == *"mlv install-hooks [--json]"* ]]
}

@test ".pre-commit-hooks.yaml: the mlv-status hook, by reference from a repository (offline)" {
	command -v pre-commit >/dev/null || skip "pre-commit is not installed"
	# The hooks repository: a local clone source holding mlv's .pre-commit-hooks.yaml.
	mkdir "$TEST_ROOT/hooksrepo"
	cp "$MLV_SRC/.pre-commit-hooks.yaml" "$TEST_ROOT/hooksrepo/"
	(cd "$TEST_ROOT/hooksrepo" && git init -q -b main && git add -A && git commit -q -m hooks)
	repo_init
	cat >.pre-commit-config.yaml <<EOS
repos:
- repo: $TEST_ROOT/hooksrepo
  rev: $(git -C "$TEST_ROOT/hooksrepo" rev-parse HEAD)
  hooks:
  - id: mlv-status
EOS
	pre-commit install >/dev/null
	put x.csv 'a\n'
	commit one
	assert_eq "$(git log --format=%s -1)" one
	put x.csv 'b\n'
	printf 'changed after track\n' >x.csv
	git add -A
	run git commit -q -m two
	assert_status 1
	[[ "$output" == *"mlv status"*"Failed"*"modified"*"x.csv"* ]]
	assert_eq "$(git log --format=%s -1)" one
}

@test ".pre-commit-hooks.yaml: the same hook as a repo: local entry" {
	command -v pre-commit >/dev/null || skip "pre-commit is not installed"
	repo_init
	{
		echo "repos:"
		echo "- repo: local"
		echo "  hooks:"
		sed 's/^/  /' "$MLV_SRC/.pre-commit-hooks.yaml" | grep -v '^  #'
	} >.pre-commit-config.yaml
	pre-commit install >/dev/null
	put x.csv 'a\n'
	commit one
	put x.csv 'b\n'
	printf 'stale\n' >x.csv
	git add -A
	run git commit -q -m two
	assert_status 1
	assert_eq "$(git log --format=%s -1)" one
	mlv track x.csv >/dev/null
	git add -A
	git commit -q -m two
	assert_eq "$(git log --format=%s -1)" two
}
