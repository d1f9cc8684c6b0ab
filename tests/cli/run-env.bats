#!/usr/bin/env bats
# mlv run's environment probes made fast: the python probe's cache (used
# while python and its package directories are unchanged, never for a shim
# script), and the git state read by `git status` with libgit2 as the
# fallback (same commit, same dirty flag, same diff).

load helper
load plumbing

setup() {
	mlv_setup
	git init -q && mlv init -q
	git commit -q --allow-empty -m init
	unset MLV_RUN_NO_PYTHON
	# the interpreter itself (python3 on PATH may be a shim script)
	PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
	[ -n "$PY" ] && PY=$(readlink -f "$PY")
}

teardown() {
	mlv_teardown
}

last_run() {
	mlv runs --json | jq -r '.runs[0].id'
}

record() {
	mlv show --json "$(last_run)" | jq -c ".run | $1"
}

# A bin directory whose python3 is the real interpreter (an ELF file, not a shim).
real_python() {
	head -c 4 "$PY" | grep -q ELF || skip "python3 on PATH is not an executable file ($PY)"
	mkdir -p pybin site
	ln -sf "$PY" pybin/python3
	export PATH="$PWD/pybin:$PATH" PYTHONPATH="$PWD/site"
}

@test "run: the python probe is cached, and probed again when a package is installed" {
	[ -n "$PY" ] || skip "no python3"
	real_python
	cache=.mlv/runs/python-env.cache
	mlv run -- true 2>/dev/null
	[ -f "$cache" ]
	first=$(record .env.python)
	assert_eq "$(jq -r .best_effort <<<"$first")" true
	grep -q "^exe $PWD/pybin/python3 " "$cache"
	grep -q "^[0-9]* $PWD/site\$" "$cache"
	# the cache is what the next run records: mark its output
	sed -i '/^output$/{n;a\
zz-cache-marker==1
}' "$cache"
	mlv run -- true 2>/dev/null
	assert_eq "$(record '.env.python.packages | index("zz-cache-marker==1") != null')" true
	assert_eq "$(record .env.python.version)" "$(jq -c .version <<<"$first")"
	# a package installed into a sys.path directory: probed again
	mkdir site/newpkg-2.0.dist-info
	printf 'Metadata-Version: 2.1\nName: newpkg\nVersion: 2.0\n' >site/newpkg-2.0.dist-info/METADATA
	mlv run -- true 2>/dev/null
	assert_eq "$(record '.env.python.packages | index("newpkg==2.0") != null')" true
	assert_eq "$(record '.env.python.packages | index("zz-cache-marker==1")')" null
	# removed again: probed again
	rm -r site/newpkg-2.0.dist-info
	mlv run -- true 2>/dev/null
	assert_eq "$(record '.env.python.packages | index("newpkg==2.0")')" null
	assert_eq "$(record .env.python)" "$first"
}

@test "run: the python cache is keyed by the interpreter and the environment; a damaged cache is a miss" {
	[ -n "$PY" ] || skip "no python3"
	real_python
	cache=.mlv/runs/python-env.cache
	mlv run -- true 2>/dev/null
	sed -i '/^output$/{n;a\
zz-cache-marker==1
}' "$cache"
	# another PYTHONPATH: not the cached answer
	mkdir site2
	PYTHONPATH="$PWD/site2" mlv run -- true 2>/dev/null
	assert_eq "$(record '.env.python.packages | index("zz-cache-marker==1")')" null
	grep -q "^env PYTHONPATH=$PWD/site2\$" "$cache"
	# a damaged cache: probed again, recorded the same as a fresh probe
	want=$(record .env.python)
	printf 'garbage' >"$cache"
	PYTHONPATH="$PWD/site2" mlv run -- true 2>/dev/null
	assert_eq "$(record .env.python)" "$want"
	head -1 "$cache" | grep -qx 'mlv python-env cache 1'
}

@test "run: a python3 that is a script (a pyenv or asdf shim) is probed every time, never cached" {
	[ -n "$PY" ] || skip "no python3"
	mkdir shim
	printf '#!/bin/sh\nexec %s "$@"\n' "$PY" >shim/python3
	chmod +x shim/python3
	PATH="$PWD/shim:$PATH" mlv run -- true 2>/dev/null
	[ ! -e .mlv/runs/python-env.cache ]
	assert_eq "$(record .env.python.best_effort)" true
	assert_eq "$(record .env.python.version)" "\"$("$PY" -c 'import sys; print(sys.version.split()[0])')\""
}

# The git state of the newest run as "commit dirty diff-bytes".
git_state() {
	local d
	d=$(record .git.diff | tr -d '"')
	printf '%s %s %s\n' "$(record .git.commit)" "$(record .git.dirty)" \
		"$([ "$d" = null ] && echo - || mlv cat-object blob "${d#sha256:}" | sha256sum | cut -c1-16)"
}

# A PATH with everything but git.
path_without_git() {
	mkdir -p nogit
	for t in sh mlv jq true cat sha256sum cut tr head readlink env printf; do
		p=$(type -P "$t") && ln -sf "$p" "nogit/$t"
	done
	echo "$PWD/nogit"
}

@test "run: git status and libgit2 record the same commit, dirty flag and diff" {
	export MLV_RUN_NO_PYTHON=1
	nogit=$(path_without_git)
	printf 'one\n' >code.py && printf 'keep\n' >staged.py
	git add code.py staged.py && git commit -q -m code
	for state in clean modified staged deleted; do
		case $state in
		modified) printf 'two\n' >code.py ;;
		staged) printf 'new\n' >staged.py && git add staged.py ;;
		deleted) rm code.py ;;
		esac
		mlv run -- true 2>/dev/null
		with=$(git_state)
		PATH="$nogit" mlv run -- true 2>/dev/null
		assert_eq "$(git_state)" "$with"
	done
	assert_eq "$(record .git.commit)" "\"$(git rev-parse HEAD)\""
	assert_eq "$(record .git.dirty)" true
	# only untracked files: clean for both
	git checkout -q -- . && git reset -q --hard
	printf 'u\n' >untracked.txt
	mlv run -- true 2>/dev/null
	assert_eq "$(git_state)" "\"$(git rev-parse HEAD)\" false -"
	PATH="$nogit" mlv run -- true 2>/dev/null
	assert_eq "$(git_state)" "\"$(git rev-parse HEAD)\" false -"
}

@test "run: no commit yet, or not a git work tree: no git state, with git or without" {
	export MLV_RUN_NO_PYTHON=1
	nogit=$(path_without_git)
	mkdir fresh && cd fresh && git init -q && mlv init -q
	mlv run -- true 2>/dev/null
	assert_eq "$(record .git)" null
	PATH="$nogit" mlv run -- true 2>/dev/null
	assert_eq "$(record .git)" null
	cd .. && mkdir -p "$BATS_TEST_TMPDIR/outside" && cd "$BATS_TEST_TMPDIR/outside" && mlv init -q
	mlv run -- true 2>/dev/null
	assert_eq "$(record .git)" null
}
