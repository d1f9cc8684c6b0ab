#!/usr/bin/env bats
# mlv hash-object: ids equal sha256sum's, -w stores atomically, bad inputs
# fail with a clear message and harm nothing, every write step can fail.

load helper
load plumbing

teardown() {
	# The unreadable-file test works in a directory of its own.
	[ -z "${UNREADABLE_DIR:-}" ] || rm -rf "$UNREADABLE_DIR"
	mlv_teardown
}

@test "hash-object: ids are sha256sum's, one per line in argument order" {
	printf 'hello\n' >a
	noise 100000 >b
	: >empty
	run --separate-stderr mlv hash-object a b empty
	assert_status 0
	assert_eq "$output" "$(sha a)
$(sha b)
$(sha empty)"
	assert_eq "$stderr" ""
}

@test "hash-object: an empty file is valid and has the id of no bytes" {
	: >empty
	run --separate-stderr mlv hash-object empty
	assert_status 0
	assert_eq "$output" "$EMPTY_OID"
	assert_eq "$output" "$(sha256sum </dev/null | cut -d' ' -f1)"
}

@test "hash-object: without -w it works outside a store and creates nothing" {
	printf 'x' >f
	run --separate-stderr mlv hash-object f
	assert_status 0
	assert_eq "$output" "$(sha f)"
	[ ! -e .mlv ]
	assert_eq "$(ls -A)" "f"
}

@test "hash-object: without -w nothing is stored" {
	store_init
	printf 'not stored' >f
	run mlv hash-object f
	assert_status 0
	run mlv cat-object -e "$(sha f)"
	assert_status 1
}

@test "hash-object -w: stores the bytes, cat-object gives them back" {
	store_init
	noise 300000 >big
	printf 'small' >small
	: >empty
	run --separate-stderr mlv hash-object -w big small empty
	assert_status 0
	assert_eq "$output" "$(sha big)
$(sha small)
$EMPTY_OID"
	mlv cat-object blob "$(sha big)" >out
	cmp out big
	assert_eq "$(mlv cat-object -t "$(sha small)")" blob
	assert_eq "$(mlv cat-object -s "$(sha big)")" 300000
	assert_eq "$(mlv cat-object -s $EMPTY_OID)" 0
	mlv cat-object blob $EMPTY_OID >out
	[ ! -s out ]
	assert_fsck_clean
}

@test "hash-object -w: storing the same file twice gives the same id" {
	store_init
	printf 'same' >f
	first=$(mlv hash-object -w f)
	run --separate-stderr mlv hash-object -w f
	assert_status 0
	assert_eq "$output" "$first"
	assert_fsck_clean
}

@test "hash-object --stdin: hashes standard input, before the files" {
	printf 'file' >f
	run --separate-stderr bash -c 'printf "from stdin" | mlv hash-object --stdin f'
	assert_status 0
	assert_eq "$output" "$(printf 'from stdin' | sha256sum | cut -d' ' -f1)
$(sha f)"
}

@test "hash-object --stdin -w: stores standard input" {
	store_init
	noise 50000 >data
	run --separate-stderr bash -c 'mlv hash-object -w --stdin <data'
	assert_status 0
	assert_eq "$output" "$(sha data)"
	mlv cat-object blob "$output" | cmp - data
}

@test "hash-object: a FIFO is read like a file" {
	run --separate-stderr bash -c 'mlv hash-object <(printf abc)'
	assert_status 0
	assert_eq "$output" "$(printf abc | sha256sum | cut -d' ' -f1)"
}

@test "hash-object: a file named - is a file, not standard input" {
	printf 'dash' >./-
	run --separate-stderr bash -c 'printf other | mlv hash-object -- -'
	assert_status 0
	assert_eq "$output" "$(sha ./-)"
}

@test "hash-object --json: path, oid, size, type, written" {
	store_init
	printf 'abc' >a
	: >e
	run --separate-stderr mlv hash-object --json a e
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" "mlv.hash-object/1"
	assert_eq "$(jq -c '.objects[0]' <<<"$output")" \
		"{\"path\":\"a\",\"oid\":\"$(sha a)\",\"size\":3,\"type\":\"blob\",\"written\":false}"
	assert_eq "$(jq -c '.objects[1]' <<<"$output")" \
		"{\"path\":\"e\",\"oid\":\"$EMPTY_OID\",\"size\":0,\"type\":\"blob\",\"written\":false}"
	run --separate-stderr mlv hash-object -w --json a
	assert_status 0
	assert_eq "$(jq -r '.objects[0].written' <<<"$output")" true
	assert_eq "$(jq -r '.objects | length' <<<"$output")" 1
}

@test "hash-object: a missing file fails with the reason and prints no id" {
	printf 'ok' >ok
	run --separate-stderr mlv hash-object ok missing
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: cannot open 'missing': no such file or directory"
}

@test "hash-object -w: a missing file stores nothing, not even the files before it" {
	store_init
	printf 'good' >good
	run --separate-stderr mlv hash-object -w good missing
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: cannot open 'missing': no such file or directory"
	run mlv cat-object -e "$(sha good)"
	assert_status 1
	assert_eq "$(cat good)" good
	assert_fsck_clean
}

@test "hash-object: a directory without -w is an error" {
	mkdir d
	printf 'x' >d/f
	run --separate-stderr mlv hash-object d
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'd' is a directory (use -w to store it as a tree)"
	assert_eq "$(cat d/f)" x
}

@test "hash-object -w: a directory is stored as a tree of its files" {
	store_init
	mkdir -p d/sub
	printf 'aaa' >d/a.txt
	printf 'bbbbb' >d/sub/b.txt
	run --separate-stderr mlv hash-object -w --json d
	assert_status 0
	assert_eq "$(jq -r '.objects[0].type' <<<"$output")" tree
	assert_eq "$(jq -r '.objects[0].size' <<<"$output")" 8
	tree=$(jq -r '.objects[0].oid' <<<"$output")
	assert_eq "$(mlv cat-object -t "$tree")" tree
	assert_eq "$(mlv cat-object blob "$(sha d/sub/b.txt)")" bbbbb
	run --separate-stderr mlv ls-tree -r "$tree"
	assert_status 0
	assert_eq "$output" "$(printf '100644 blob %s\t3\ta.txt\n100644 blob %s\t5\tsub/b.txt' \
		"$(sha d/a.txt)" "$(sha d/sub/b.txt)")"
	# The same directory again gives the same id.
	assert_eq "$(mlv hash-object -w d)" "$tree"
	assert_fsck_clean
}

@test "hash-object -w: a directory with -t blob is refused" {
	store_init
	mkdir d
	run --separate-stderr mlv hash-object -w -t blob d
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'd' is a directory; it can only be stored as a tree"
}

@test "hash-object: an unreadable file fails with permission denied and harms nothing" {
	command -v setpriv >/dev/null || skip "setpriv is needed to run as an unprivileged user"
	if [ "$(id -u)" -ne 0 ]; then
		dir=$PWD
	else
		# Root reads mode-000 files; run as nobody in a directory nobody can enter.
		dir=$(mktemp -d "${TMPDIR:-/tmp}/mlv-unreadable.XXXXXX")
		UNREADABLE_DIR=$dir
		chmod 755 "$dir"
	fi
	as_user() {
		if [ "$(id -u)" -eq 0 ]; then
			setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
		else
			"$@"
		fi
	}
	as_user test -x "$MLV_BIN" || skip "the mlv binary is not reachable by an unprivileged user"
	cd "$dir"
	printf 'secret' >locked
	printf 'fine' >fine
	chmod 000 locked
	mlv init >/dev/null
	[ "$(id -u)" -ne 0 ] || chown -R 65534:65534 "$dir"
	run --separate-stderr as_user "$MLV_BIN" hash-object locked
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: cannot open 'locked': permission denied"
	run --separate-stderr as_user "$MLV_BIN" hash-object -w fine locked
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: cannot open 'locked': permission denied"
	run mlv cat-object -e "$(sha fine)"
	assert_status 1
	chmod 600 locked
	assert_eq "$(cat locked)" secret
	assert_fsck_clean
}

@test "hash-object -w: outside a store fails and creates no store" {
	printf 'x' >f
	run --separate-stderr mlv hash-object -w f
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: not in a mlv store (or any parent directory); run 'mlv init' first"
	[ ! -e .mlv ]
}

@test "hash-object -t tree / json: content is checked, with or without -w" {
	store_init
	printf 'not a tree' >bad
	for w in "" -w; do
		run --separate-stderr mlv hash-object $w -t tree bad
		assert_status 128
		assert_eq "$output" ""
		[[ "$stderr" == "mlv: error: 'bad' is not a valid tree: "* ]]
		run --separate-stderr mlv hash-object $w -t json bad
		assert_status 128
		assert_eq "$output" ""
		assert_eq "$stderr" "mlv: error: 'bad' is not valid JSON (at byte 0)"
		# JSON is UTF-8: a Latin-1 record would not read back as the same text
		printf '{"k":"caf\xe9"}' >latin1
		run --separate-stderr mlv hash-object $w -t json latin1
		assert_status 128
		assert_eq "$output" ""
		assert_eq "$stderr" "mlv: error: 'latin1' is not valid JSON (invalid UTF-8 at byte 9)"
	done
	run mlv cat-object -e "$(sha bad)"
	assert_status 1
	run mlv cat-object -e "$(sha latin1)"
	assert_status 1
	assert_fsck_clean
}

@test "hash-object -t tree: a valid serialized tree is accepted, with or without -w" {
	store_init
	mkdir d
	printf 'x' >d/f
	tree=$(mlv hash-object -w d)
	mlv cat-object tree "$tree" >serialized
	assert_eq "$(mlv hash-object -t tree serialized)" "$tree"
	assert_eq "$(mlv hash-object -w -t tree serialized)" "$tree"
}

@test "hash-object -t json -w: a JSON record is stored as json" {
	store_init
	printf '{"a":1,"b":"x"}' >rec.json
	run --separate-stderr mlv hash-object -w -t json rec.json
	assert_status 0
	assert_eq "$output" "$(sha rec.json)"
	assert_eq "$(mlv cat-object -t "$output")" json
	assert_eq "$(mlv hash-object -t json rec.json)" "$(sha rec.json)"
}

@test "hash-object: usage errors exit 129" {
	run --separate-stderr mlv hash-object
	assert_status 129
	[[ "$stderr" == *"mlv hash-object [-w] [-t <type>] [--stdin] [--json] [<file>...]"* ]]
	run --separate-stderr mlv hash-object -h
	assert_status 129
	[[ "$output" == *"mlv hash-object [-w]"* ]]
	run --separate-stderr mlv hash-object --bogus f
	assert_status 129
	printf 'x' >f
	run --separate-stderr mlv hash-object -t bogus f
	assert_status 129
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: invalid object type 'bogus' (expected blob, tree or json)"
}

# Every injection point of `hash-object -w`, made to fail with ENOSPC and EIO,
# and made to kill the process: the command fails cleanly (or dies), the object
# is not visible after a failure, fsck stays clean and a re-run succeeds.
fault_sweep_setup() {
	rm -rf .mlv
	store_init
}

@test "hash-object -w: every write step failing with ENOSPC or EIO leaves nothing behind" {
	noise 300000 >data
	printf 'second file' >small
	fault_sweep_setup
	MLV_FAULT_LOG="$PWD/points" mlv hash-object -w data small >/dev/null
	npoints=$(wc -l <points)
	[ "$npoints" -gt 0 ]
	for errname in ENOSPC EIO; do
		for n in $(seq 1 "$npoints"); do
			fault_sweep_setup
			run --separate-stderr env MLV_FAULT_AT="$n" MLV_FAULT_ERRNO="$errname" \
				mlv hash-object -w data small
			if [ "$status" -ne 128 ] || [ -n "$output" ] || [[ "$stderr" != "mlv: error: "* ]]; then
				echo "$errname at point $n/$npoints ($(sed -n "${n}p" points)):" \
					"exit $status, stdout '$output', stderr '$stderr'" >&2
				return 1
			fi
			run mlv cat-object -t "$(sha data)"
			[ "$status" -eq 128 ] || { echo "$errname at $n: object visible" >&2; return 1; }
			run mlv cat-object -t "$(sha small)"
			[ "$status" -eq 128 ] || { echo "$errname at $n: object visible" >&2; return 1; }
			assert_fsck_clean || { echo "after $errname at point $n" >&2; return 1; }
			run --separate-stderr mlv hash-object -w data small
			assert_status 0
			mlv cat-object blob "$(sha data)" | cmp - data
		done
	done
}

@test "hash-object -w: killed at every write step, the store stays clean and a re-run works" {
	noise 300000 >data
	printf 'second file' >small
	fault_sweep_setup
	MLV_FAULT_LOG="$PWD/points" mlv hash-object -w data small >/dev/null
	npoints=$(wc -l <points)
	[ "$npoints" -gt 0 ]
	for n in $(seq 1 "$npoints"); do
		fault_sweep_setup
		run --separate-stderr env MLV_FAULT_AT="$n" mlv hash-object -w data small
		if [ "$status" -eq 0 ] || [ -n "$output" ]; then
			echo "kill at point $n/$npoints: exit $status, stdout '$output'" >&2
			return 1
		fi
		assert_fsck_clean || { echo "after kill at point $n ($(sed -n "${n}p" points))" >&2; return 1; }
		run --separate-stderr mlv hash-object -w data small
		assert_status 0
		assert_eq "$output" "$(sha data)
$(sha small)"
		mlv cat-object blob "$(sha data)" | cmp - data
		assert_fsck_clean
	done
}
