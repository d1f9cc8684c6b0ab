# Shared by the tests of the git side of data versioning (diff, log,
# install-hooks, path@rev specs, gc roots): a git repository with a store,
# and tracked files committed at known versions.
# Load it after helper.bash and plumbing.bash.

bats_require_minimum_version 1.5.0

# A git repository with a store in the current (fresh) directory.
repo_init() {
	git init -q -b main . || return 1
	echo /.mlv/ >>.git/info/exclude
	store_init
}

# put PATH TEXT: write TEXT (printf format) to PATH and track it.
put() {
	mkdir -p "$(dirname "$1")"
	# shellcheck disable=SC2059
	printf "$2" >"$1"
	mlv track "$1" >/dev/null || { echo "mlv track $1 failed" >&2; return 1; }
}

# commit MESSAGE: commit everything.
commit() {
	git add -A && git commit -q -m "$1"
}

# commit_pointer PATH BYTES MESSAGE: commit a hand-written pointer file for
# PATH (bad input: pointers mlv track would never write).
commit_pointer() {
	mkdir -p "$(dirname "$1")"
	printf '%s' "$2" >"$1.mlv"
	git add -f "$1.mlv" && git commit -q -m "$3"
}

# The pointer text of a file of SIZE bytes whose id is OID.
pointer_of() {
	printf '{"kind":"file","oid":"sha256:%s","size":%s}\n' "$1" "$2"
}
