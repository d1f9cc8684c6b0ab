# Shared by the tests of the plumbing commands (hash-object, cat-object,
# ls-tree, fsck, gc, rev-parse): a store to work in, deterministic test data,
# byte surgery on pack files and the checks that prove nothing was harmed.
# Load it after helper.bash: `load helper; load plumbing`.

bats_require_minimum_version 1.5.0

# The id of no bytes at all, as sha256sum prints it.
EMPTY_OID=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# A store in the current (fresh) directory.
store_init() {
	mlv init >/dev/null 2>&1 || { echo "mlv init failed" >&2; return 1; }
	[ -d .mlv ]
}

# The sha256sum of a file, id only.
sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# noise N [KEY]: N incompressible bytes on stdout. Deterministic when openssl
# is there (AES-CTR keystream), so the chunk layout of a test is always the
# same; /dev/urandom otherwise.
noise() {
	local key=${2:-000102030405060708090a0b0c0d0e0f}
	if command -v openssl >/dev/null 2>&1; then
		head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt -K "$key" \
			-iv 00000000000000000000000000000000
	else
		head -c "$1" /dev/urandom
	fi
}

# flip_byte FILE OFFSET: invert every bit of one byte in place.
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n')
	[ -n "$b" ] || { echo "flip_byte: $1 has no byte at $2" >&2; return 1; }
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((b ^ 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# The pack files of the store, one per line, sorted.
pack_files() {
	find .mlv/objects/pack -type f | sort
}

# The one pack file of the store (fails when there is not exactly one).
the_pack() {
	local packs
	packs=$(pack_files)
	[ -n "$packs" ] && [ "$(printf '%s\n' "$packs" | wc -l)" -eq 1 ] ||
		{ echo "expected one pack, found: $packs" >&2; return 1; }
	printf '%s\n' "$packs"
}

# mlv fsck exits 0 and prints no problem.
assert_fsck_clean() {
	run --separate-stderr mlv fsck
	if [ "$status" -ne 0 ] || [ -n "$output" ]; then
		echo "mlv fsck: exit $status" >&2
		echo "stdout: $output" >&2
		echo "stderr: $stderr" >&2
		return 1
	fi
}

# assert_equal ACTUAL EXPECTED [WHAT]
assert_eq() {
	if [ "$1" != "$2" ]; then
		printf '%s differs\n  actual:   %q\n  expected: %q\n' "${3:-value}" "$1" "$2" >&2
		return 1
	fi
}

# assert_status N: the last `run` exited N (prints what it said when not).
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "exit status $status, expected $1" >&2
		echo "stdout: $output" >&2
		echo "stderr: ${stderr-}" >&2
		return 1
	fi
}

# Two files whose ids share their first 4 hex digits (c75d): "157" and "251".
make_colliding_pair() {
	printf %d 157 >p1
	printf %d 251 >p2
	[ "$(sha p1 | cut -c1-4)" = "$(sha p2 | cut -c1-4)" ]
}
