# Shared by the tests of the data commands (track, status, checkout,
# untrack): a git work tree with a store, pointer bytes to compare with, and
# a listing of the work tree that proves nothing in it changed.
# Load it after helper.bash and plumbing.bash: `load helper; load plumbing; load data`.

bats_require_minimum_version 1.5.0

# A git repository with a store at its top, in the current directory.
repo_init() {
	git init -q && mlv init -q
}

# The id of FILE, whatever its name (sha256sum escapes names with a newline).
sha_of() {
	sha256sum <"$1" | cut -d' ' -f1
}

# ptr_file FILE: the pointer bytes `mlv track FILE` must write.
ptr_file() {
	printf '{"kind":"file","oid":"sha256:%s","size":%d}\n' "$(sha_of "$1")" "$(stat -c %s -- "$1")"
}

# ptr_link LINK: the pointer bytes of a symbolic link (the id of its target text).
ptr_link() {
	local t
	t=$(readlink -- "$1")
	printf '{"kind":"link","oid":"sha256:%s","size":%d}\n' \
		"$(printf '%s' "$t" | sha256sum | cut -d' ' -f1)" "${#t}"
}

# oid_in POINTER-FILE: the 64 hex digits of the id a pointer names.
oid_in() {
	sed -n 's/.*"oid":"sha256:\([0-9a-f]*\)".*/\1/p' "$1"
}

# Commit the pointer files and .gitignore files (never the store) as MESSAGE.
commit_pointers() {
	git add -A -- . ':(exclude).mlv' && git commit -qm "$1"
}

# Everything in the work tree but .git and .mlv: type, path, mode and
# content id or link target, one entry a line, sorted. Compare two of these
# to prove a command changed nothing.
tree_state() {
	find . \( -path ./.git -o -path ./.mlv \) -prune -o -mindepth 1 \
		\( -type l -printf 'L %p -> %l\n' \) -o \
		\( -type f -printf 'F %m ' -exec sha256sum -- {} \; \) -o \
		\( -type d -printf 'D %m %p\n' \) | sort
}

# The temporary files checkout may leave, anywhere in the work tree.
temp_files() {
	find . -path ./.git -prune -o -name '.mlv-tmp-*' -print
}

# as_nobody CMD...: run CMD as an unprivileged user when we are root (root
# ignores permission bits), as ourselves otherwise.
as_nobody() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# Skip unless an unprivileged user can run the binary from a directory of
# its own; sets NOBODY_DIR (made, world-readable) and goes there.
nobody_dir() {
	command -v setpriv >/dev/null || skip "setpriv is needed to run as an unprivileged user"
	NOBODY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mlv-nobody.XXXXXX")
	chmod 755 "$NOBODY_DIR"
	as_nobody test -x "$MLV_BIN" || skip "the mlv binary is not reachable by an unprivileged user"
	cd "$NOBODY_DIR"
}

teardown() {
	if [ -n "${NOBODY_DIR:-}" ]; then
		chmod -R u+rwX "$NOBODY_DIR" 2>/dev/null
		rm -rf "$NOBODY_DIR"
	fi
	mlv_teardown
}
