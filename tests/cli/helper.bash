# Shared by every CLI test: each test runs in a fresh temporary directory with
# HOME pointed there and the built binary first on PATH as `mlv`, like a user.
# Load it with `load helper`. A file that needs more set-up defines its own
# setup() and calls mlv_setup first (and mlv_teardown from its teardown()).
#
# CMake passes MLV_BIN (the built binary) and MLV_SRC (the source tree); run
# by hand, `MLV_BIN=build/mlv bats tests/cli` works too.

bats_require_minimum_version 1.5.0

mlv_setup() {
	if [ -z "${MLV_BIN:-}" ]; then
		echo "MLV_BIN is not set: the path of the mlv binary to test" >&2
		return 1
	fi
	case "$MLV_BIN" in
	/*) ;;
	*) MLV_BIN="$PWD/$MLV_BIN" ;;
	esac
	export MLV_BIN
	export MLV_SRC="${MLV_SRC:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
	TEST_ROOT="$(mktemp -d "${BATS_TMPDIR:-/tmp}/mlv-test.XXXXXX")"
	TEST_ROOT="$(cd "$TEST_ROOT" && pwd -P)"
	mkdir "$TEST_ROOT/bin" "$TEST_ROOT/home" "$TEST_ROOT/work"
	ln -s "$MLV_BIN" "$TEST_ROOT/bin/mlv"
	export PATH="$TEST_ROOT/bin:$PATH"
	export HOME="$TEST_ROOT/home"
	export GIT_CONFIG_NOSYSTEM=1
	export GIT_AUTHOR_NAME="A U Thor" GIT_AUTHOR_EMAIL="author@example.com"
	export GIT_COMMITTER_NAME="C O Mitter" GIT_COMMITTER_EMAIL="committer@example.com"
	export MLV_MAN_DIR="$MLV_SRC/man"
	unset MLV_DIR MLV_FAULT_AT MLV_FAULT_ERRNO MLV_FAULT_LOG
	export LC_ALL=C
	cd "$TEST_ROOT/work"
}

mlv_teardown() {
	cd /
	[ -n "${TEST_ROOT:-}" ] && rm -rf "$TEST_ROOT"
}

setup() {
	mlv_setup
}

teardown() {
	mlv_teardown
}

# The version in CMakeLists.txt, which the binary must report.
mlv_source_version() {
	sed -n 's/^project(mlv VERSION \([0-9][0-9.]*\).*/\1/p' "$MLV_SRC/CMakeLists.txt"
}

# The usage lines a command prints for -h, without "usage: " / "   or: ".
usage_lines() {
	mlv "$@" -h 2>/dev/null | sed -n -e 's/^usage: //p' -e 's/^   or: //p'
}

# The lines of the SYNOPSIS section of a man page, requests left out.
synopsis_lines() {
	awk '/^\.SH /{ on = ($2 == "SYNOPSIS") ; next } on && !/^\./ && !/^\047/ && NF' "$1" |
		sed -e 's/\\-/-/g' -e 's/\\&//g'
}
