#!/usr/bin/env bats
# mlv checkout: restores data after git checkout, one file inside a tracked
# directory, links as links; plans before writing (conflicts, missing data,
# bad pointers: nothing written); never writes through a symlink; every
# write step can fail or be killed and each file stays old or new; shared
# stores.

load helper
load plumbing
load data

# Two committed versions of x.csv and data/ (v1, then v2 at HEAD).
setup_versions() {
	repo_init
	printf '/v1\n/v2\n/points\n' >>.git/info/exclude
	printf 'a,b\n1,2\n' >x.csv
	mkdir -p data/sub
	printf 'one\n' >data/a
	printf 'two\n' >data/sub/b
	ln -s a data/l
	mlv track -q x.csv data
	commit_pointers v1
	mkdir v1 && cp -a x.csv data v1/
	printf 'a,b\n1,2\n3,4\n' >x.csv
	rm data/a
	printf 'three\n' >data/c
	printf 'two v2\n' >data/sub/b
	rm data/l && ln -s c data/l
	mlv track -q x.csv data
	commit_pointers v2
	mkdir v2 && cp -a x.csv data v2/
}

@test "checkout: after git checkout of older pointers, restores that version; status is clean" {
	setup_versions
	git checkout -q HEAD~1 -- x.csv.mlv data.mlv
	run --separate-stderr mlv checkout
	assert_status 0
	assert_eq "$output" "updated data/a
updated data/l
updated data/sub/b
updated x.csv"
	assert_eq "$stderr" ""
	cmp x.csv v1/x.csv
	cmp data/a v1/data/a
	cmp data/sub/b v1/data/sub/b
	assert_eq "$(readlink data/l)" a
	# data/c is not in v1's tree: left alone, and status says so
	cmp data/c v2/data/c
	run --separate-stderr mlv status
	assert_status 0
	assert_eq "$output" "added         data/c"
	# forward again
	git checkout -q HEAD -- x.csv.mlv data.mlv
	run --separate-stderr mlv checkout --json
	assert_status 0
	assert_eq "$output" '{"schema":"mlv.checkout/1","written":["data/l","data/sub/b","x.csv"],"unchanged":1}'
	cmp x.csv v2/x.csv
	cmp data/sub/b v2/data/sub/b
	assert_eq "$(readlink data/l)" c
	run --separate-stderr mlv status --exit-code
	assert_status 1
	assert_eq "$output" "added         data/a"
	[ -z "$(temp_files)" ]
	assert_fsck_clean
}

@test "checkout: nothing to do prints nothing; missing files come back" {
	setup_versions
	run --separate-stderr mlv checkout
	assert_status 0
	assert_eq "$output" ""
	run --separate-stderr mlv checkout --json
	assert_eq "$output" '{"schema":"mlv.checkout/1","written":[],"unchanged":4}'
	rm -r x.csv data
	run --separate-stderr mlv checkout -q
	assert_status 0
	assert_eq "$output" ""
	cmp x.csv v2/x.csv
	diff -r data v2/data
	[ -L data/l ]
	run mlv status --exit-code
	assert_status 0
}

# atime_ns FILE: when FILE was last read (nanoseconds), as the file system keeps it.
atime_ns() {
	stat -c %X.%x -- "$1" | sed 's/^\([0-9]*\)\..*\.\([0-9]\{9\}\).*/\1\2/'
}

@test "checkout: the files it writes go into the stat cache; a later change of the same size and mtime is still seen" {
	setup_versions
	noise 300000 >big
	mlv track -q big
	cp big big.v1
	printf '/big.v1\n' >>.git/info/exclude
	rm big x.csv data/c
	run --separate-stderr mlv checkout
	assert_status 0
	# The first read of a file written after it was created moves its atime
	# (relatime); status and checkout must not read what checkout wrote: the
	# stat cache vouches for it.
	big_at=$(atime_ns big) c_at=$(atime_ns data/c)
	run --separate-stderr mlv status --exit-code
	assert_status 0
	assert_eq "$output" ""
	run --separate-stderr mlv checkout --json
	assert_eq "$output" '{"schema":"mlv.checkout/1","written":[],"unchanged":5}'
	assert_eq "$(atime_ns big)" "$big_at"
	assert_eq "$(atime_ns data/c)" "$c_at"
	# the check itself can fail: a read does move the atimes here
	cmp big big.v1
	cmp data/c v2/data/c
	[ "$(atime_ns big)" != "$big_at" ] && [ "$(atime_ns data/c)" != "$c_at" ] ||
		skip "this file system does not update atimes on read"
	# Same size, same inode, the very same mtime: only the ctime tells.
	mtime=$(stat -c %.9Y big)
	printf 'X' | dd of=big bs=1 seek=1000 conv=notrunc status=none
	touch -m -d "@$mtime" big
	assert_eq "$(stat -c %.9Y big)" "$mtime"
	assert_eq "$(stat -c %s big)" 300000
	run --separate-stderr mlv status
	assert_status 0
	assert_eq "$output" "modified      big"
	# checkout sees it too: unsaved work, not the tracked version
	run --separate-stderr mlv checkout big
	assert_status 128
	[[ "$stderr" == *"would be lost"*"big"* ]]
	# a file inside a tracked directory too
	mtime=$(stat -c %.9Y data/c)
	printf 'THREE\n' >data/c
	touch -m -d "@$mtime" data/c
	run --separate-stderr mlv status data
	assert_eq "$output" "modified      data/c"
}

@test "checkout: one file inside a tracked directory, and only it" {
	setup_versions
	rm data/sub/b data/c
	printf 'extra\n' >data/extra
	run --separate-stderr mlv checkout data/sub/b
	assert_status 0
	assert_eq "$output" "updated data/sub/b"
	cmp data/sub/b v2/data/sub/b
	[ ! -e data/c ]
	assert_eq "$(cat data/extra)" extra
	run --separate-stderr mlv checkout data/sub
	assert_eq "$output" ""
	rm -r data/sub
	run --separate-stderr mlv checkout --json data/sub
	assert_eq "$output" '{"schema":"mlv.checkout/1","written":["data/sub/b"],"unchanged":0}'
	run --separate-stderr mlv checkout data/nope
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'data/nope' is not in the tracked directory 'data'"
	[ ! -e data/c ]
}

@test "checkout: pointer names, and a directory argument holding several tracked paths" {
	repo_init
	mkdir -p models/v1 other
	printf 'm1\n' >models/v1/m.bin
	printf 'm2\n' >models/m.bin
	printf 'o\n' >other/o
	mlv track -q models/v1/m.bin models/m.bin other/o
	rm models/v1/m.bin models/m.bin other/o
	run --separate-stderr mlv checkout models
	assert_status 0
	assert_eq "$output" "updated models/m.bin
updated models/v1/m.bin"
	[ ! -e other/o ]
	run --separate-stderr mlv checkout other/o.mlv
	assert_eq "$output" "updated other/o"
	assert_eq "$(cat other/o)" o
	printf 'x\n' >plain
	run --separate-stderr mlv checkout plain
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'plain' is not tracked (no 'plain.mlv' and nothing tracked below it)"
}

@test "checkout: changes that were never tracked are conflicts: listed, nothing written; --force overwrites" {
	setup_versions
	git checkout -q HEAD~1 -- x.csv.mlv data.mlv
	printf 'my edit\n' >x.csv
	printf 'my edit\n' >data/sub/b
	before=$(tree_state)
	run --separate-stderr mlv checkout
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: these files hold changes that were not tracked and would be lost:
  data/sub/b
  x.csv
track them first ('mlv track <path>'), or use --force to overwrite them"
	# nothing written, not even the files without conflicts
	assert_eq "$(tree_state)" "$before"
	[ ! -e data/a ]
	run --separate-stderr mlv checkout -f
	assert_status 0
	assert_eq "$output" "updated data/a
updated data/l
updated data/sub/b
updated x.csv"
	cmp x.csv v1/x.csv
	cmp data/sub/b v1/data/sub/b
	[ -z "$(temp_files)" ]
}

@test "checkout: a file whose content is in the store is no conflict" {
	setup_versions
	git checkout -q HEAD~1 -- x.csv.mlv
	# x.csv holds v2, which the store has
	run --separate-stderr mlv checkout x.csv
	assert_status 0
	assert_eq "$output" "updated x.csv"
	cmp x.csv v1/x.csv
}

@test "checkout: a directory where a file goes is a conflict, and an error with --force" {
	setup_versions
	rm x.csv && mkdir x.csv && printf 'keep\n' >x.csv/inside
	run --separate-stderr mlv checkout
	assert_status 128
	assert_eq "$stderr" "mlv: error: these files hold changes that were not tracked and would be lost:
  x.csv
track them first ('mlv track <path>'), or use --force to overwrite them"
	run --separate-stderr mlv checkout --force x.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot check out 'x.csv': a directory is in the way"
	assert_eq "$(cat x.csv/inside)" keep
}

@test "checkout: links are recreated as links, never followed" {
	repo_init
	mkdir "$TEST_ROOT/outside"
	printf 'secret\n' >"$TEST_ROOT/outside/s"
	ln -s "$TEST_ROOT/outside/s" lnk
	mlv track -q lnk
	# a file where the link was, with bytes the store lacks: a conflict
	rm lnk && printf 'not a link\n' >lnk
	run --separate-stderr mlv checkout
	assert_status 128
	run --separate-stderr mlv checkout -f
	assert_status 0
	assert_eq "$output" "updated lnk"
	[ -L lnk ] && assert_eq "$(readlink lnk)" "$TEST_ROOT/outside/s"
	# the link now points where a file is to go: replacing it must not write through it
	printf 'f\n' >f
	mlv track -q f
	rm f && ln -s "$TEST_ROOT/outside/s" f
	run --separate-stderr mlv checkout -f f
	assert_status 0
	[ ! -L f ] && assert_eq "$(cat f)" f
	assert_eq "$(cat "$TEST_ROOT/outside/s")" secret
}

@test "checkout: a symlink where the tree has a directory is never written through" {
	setup_versions
	mkdir "$TEST_ROOT/outside"
	printf 'mine\n' >"$TEST_ROOT/outside/b"
	rm -r data/sub
	ln -s "$TEST_ROOT/outside" data/sub
	outside_before=$(cd "$TEST_ROOT/outside" && ls -la --time-style=full-iso && sha256sum *)
	run --separate-stderr mlv checkout
	assert_status 128
	assert_eq "$stderr" "mlv: error: these files hold changes that were not tracked and would be lost:
  data/sub
track them first ('mlv track <path>'), or use --force to overwrite them"
	run --separate-stderr mlv checkout data/sub
	assert_status 128
	assert_eq "$stderr" "mlv: error: these files hold changes that were not tracked and would be lost:
  data/sub
track them first ('mlv track <path>'), or use --force to overwrite them"
	for f in "" -f; do
		run --separate-stderr mlv checkout $f data/sub/b
		assert_status 128
		assert_eq "$stderr" "mlv: error: 'data/sub' is a symlink or not a directory; mlv does not go through it"
	done
	assert_eq "$(cd "$TEST_ROOT/outside" && ls -la --time-style=full-iso && sha256sum *)" "$outside_before"
	# with --force the link is replaced by a real directory, outside untouched
	run --separate-stderr mlv checkout -f
	assert_status 0
	assert_eq "$output" "updated data/sub/b"
	[ -d data/sub ] && [ ! -L data/sub ]
	cmp data/sub/b v2/data/sub/b
	assert_eq "$(cd "$TEST_ROOT/outside" && ls -la --time-style=full-iso && sha256sum *)" "$outside_before"
}

@test "checkout: data not in the store is a clear error; nothing is written or deleted" {
	setup_versions
	git checkout -q HEAD~1 -- x.csv.mlv data.mlv
	missing=$(printf 'never stored\n' | sha256sum | cut -d' ' -f1)
	printf '{"kind":"file","oid":"sha256:%s","size":13}\n' "$missing" >x.csv.mlv
	before=$(tree_state)
	for f in "" -f; do
		run --separate-stderr mlv checkout $f
		assert_status 128
		assert_eq "$output" ""
		assert_eq "$stderr" "mlv: error: cannot check out 'x.csv': its data ($missing) is not in the store"
		assert_eq "$(tree_state)" "$before"
	done
	cmp x.csv v2/x.csv
	# inside a tree too: remove nothing, even when the file is gone
	rm x.csv
	printf '{"kind":"file","oid":"sha256:%s","size":13}\n' "$missing" >x.csv.mlv
	before=$(tree_state)
	run --separate-stderr mlv checkout x.csv
	assert_status 128
	assert_eq "$(tree_state)" "$before"
	assert_fsck_clean
}

@test "checkout: damaged data in the store is an error; the old file stays, no partial or temp file" {
	repo_init
	noise 1000000 >big         # about 15 chunks: read in parallel, verified as a whole
	mlv track -q big
	cp big big.v1
	printf 'other\n' >big
	mlv hash-object -w big >/dev/null   # in the store: no conflict, checkout may replace it
	chmod u+w .mlv/objects/pack/*
	flip_byte "$(ls -S .mlv/objects/pack/*.pack | head -n 1)" 500000
	for f in "" -f; do
		run --separate-stderr mlv checkout $f big
		assert_status 128
		assert_eq "$output" ""
		[[ "$stderr" == "mlv: error: object $(sha big.v1) is damaged: "* ]] || { echo "stderr: $stderr" >&2; false; }
		assert_eq "$(cat big)" other
		assert_eq "$(temp_files)" ""
	done
	rm big
	run --separate-stderr mlv checkout -f big
	assert_status 128
	[ ! -e big ]
	assert_eq "$(temp_files)" ""
}

@test "checkout: a pointer that is not JSON, has an unknown kind, a bad id or a wrong size: clear error, nothing written" {
	setup_versions
	git checkout -q HEAD~1 -- data.mlv
	id=$(sha x.csv)
	check() {
		printf '%s\n' "$1" >x.csv.mlv
		before=$(tree_state)
		for f in "" -f; do
			run --separate-stderr mlv checkout $f
			assert_status 128
			assert_eq "$output" ""
			assert_eq "$stderr" "mlv: error: $2"
			assert_eq "$(tree_state)" "$before"
		done
	}
	check '{"kind":' "pointer 'x.csv.mlv' is not valid JSON (at byte 8)"
	check "{\"kind\":\"dataset\",\"oid\":\"sha256:$id\",\"size\":12}" "pointer 'x.csv.mlv' has an unknown kind \"dataset\""
	check "{\"kind\":\"file\",\"oid\":\"sha256:${id:0:60}\",\"size\":12}" "pointer 'x.csv.mlv' has a bad \"oid\" (expected \"sha256:\" and 64 hex digits)"
	check "{\"kind\":\"file\",\"oid\":\"sha256:$id\",\"size\":99}" "pointer 'x.csv.mlv' says 99 bytes but its data has 12"
	check "{\"kind\":\"file\",\"oid\":\"sha256:$(oid_in data.mlv)\",\"size\":12}" "pointer 'x.csv.mlv' names a tree, not the blob it says"
	# data/ (v1 pointer) was not checked out either
	[ ! -e data/a ]
	cmp x.csv v2/x.csv
}

@test "checkout: paths with spaces, newlines and non-UTF-8 bytes round trip" {
	repo_init
	names=('sp ace ' $'new\nline' $'bad\xffname' 'we*ird[1]')
	mkdir 'dir with space'
	for n in "${names[@]}"; do
		printf 'v1 %s\n' "$n" >"$n"
		printf 'in dir %s\n' "$n" >"dir with space/$n"
	done
	mlv track -q "${names[@]}" 'dir with space'
	commit_pointers v1
	mkdir "$TEST_ROOT/saved" && cp -a -- "${names[@]}" 'dir with space' "$TEST_ROOT/saved/"
	for n in "${names[@]}"; do printf 'v2\n' >"$n"; done
	mlv track -q "${names[@]}"
	git checkout -q HEAD -- .
	rm -r 'dir with space'
	run --separate-stderr mlv checkout
	assert_status 0
	assert_eq "$output" "updated bad"$'\xff'"name
updated dir with space/bad"$'\xff'"name
updated dir with space/new
line
updated dir with space/sp ace 
updated dir with space/we*ird[1]
updated new
line
updated sp ace 
updated we*ird[1]"
	for n in "${names[@]}"; do
		cmp -- "$n" "$TEST_ROOT/saved/$n"
		cmp -- "dir with space/$n" "$TEST_ROOT/saved/dir with space/$n"
	done
	run mlv status --exit-code
	assert_status 0
	rm -- $'new\nline'
	run --separate-stderr mlv checkout --json $'new\nline'
	assert_eq "$output" '{"schema":"mlv.checkout/1","written":["new\nline"],"unchanged":0}'
}

@test "checkout: in a read-only work tree it fails clearly and leaves the file as it was" {
	nobody_dir
	repo_init
	printf 'one\n' >f
	mlv track -q f
	commit_pointers v1
	printf 'two\n' >f
	mlv track -q f
	git checkout -q -- f.mlv
	[ "$(id -u)" -ne 0 ] || chown -R 65534:65534 .mlv
	chmod 555 .
	before=$(tree_state)
	run --separate-stderr as_nobody "$MLV_BIN" checkout
	chmod 755 .
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: cannot write 'f': permission denied"
	assert_eq "$(tree_state)" "$before"
	assert_eq "$(cat f)" two
	[ -z "$(temp_files)" ]
	assert_fsck_clean
}

# Put the work tree back to v2 data with v1 pointers, ready to check out v1.
reset_to_v2() {
	rm -rf x.csv data
	cp -a v2/x.csv v2/data .
	find . -path ./.git -prune -o -name '.mlv-tmp-*' -exec rm -f {} +
}

@test "checkout: ENOSPC at every write step: exit 128, each file old or new, never partial, no temp files" {
	setup_versions
	noise 300000 >data/big
	mlv track -q data
	commit_pointers v3
	rm -rf v2 && mkdir v2 && cp -a x.csv data v2/
	git checkout -q HEAD~2 -- x.csv.mlv data.mlv
	reset_to_v2
	MLV_FAULT_LOG="$PWD/points" mlv checkout -f -q
	npoints=$(wc -l <points)
	[ "$npoints" -gt 4 ]
	for n in $(seq 1 "$npoints"); do
		reset_to_v2
		run --separate-stderr env MLV_FAULT_AT="$n" MLV_FAULT_ERRNO=ENOSPC mlv checkout -f
		point=$(sed -n "${n}p" points)
		if [ "$n" -eq "$npoints" ] && [ "$point" = "$n commit index" ]; then
			# the last step saves the stat cache: every file is written, and a
			# cache that cannot be saved costs time, not data
			assert_status 0
			assert_eq "$stderr" "mlv: warning: could not save the stat cache: cannot commit to the index: no space left on device"
			cmp x.csv v1/x.csv
			cmp data/sub/b v1/data/sub/b
		elif [ "$status" -ne 128 ] || [ -n "$output" ] ||
			[[ "$stderr" != "mlv: error: cannot "*": no space left on device" ]]; then
			echo "ENOSPC at $n/$npoints ($point): exit $status, stdout '$output', stderr '$stderr'" >&2
			return 1
		fi
		[ -z "$(temp_files)" ] || { echo "at $n ($point): temp files left: $(temp_files)" >&2; return 1; }
		for f in x.csv data/a data/sub/b data/big; do
			if [ -e "v1/$f" ] && cmp -s "$f" "v1/$f"; then continue; fi
			if [ -e "v2/$f" ] && cmp -s "$f" "v2/$f"; then continue; fi
			if [ ! -e "v2/$f" ] && [ ! -e "$f" ]; then continue; fi
			echo "at $n ($point): $f is neither old nor new" >&2
			return 1
		done
		# data/big is in no v1 tree: left alone, whatever failed
		cmp data/big v2/data/big
		# a write that failed before its rename left the old file
		case "$point" in
		"write x.csv" | "fsync x.csv" | "rename x.csv") cmp x.csv v2/x.csv ;;
		esac
		run --separate-stderr mlv checkout -f
		assert_status 0
		cmp x.csv v1/x.csv
		cmp data/sub/b v1/data/sub/b
	done
	assert_fsck_clean
}

@test "checkout: a file of several MiB (written past the page cache): same bytes; ENOSPC or a kill at each write leaves the old file" {
	repo_init
	printf '/big.v*\n/points\n' >>.git/info/exclude
	noise 9000000 >big
	printf 'a,b\n%.0s1,2\n' $(seq 1 200000) >>big   # random, then compressible chunks
	mlv track -q big
	commit_pointers v1
	cp big big.v1
	printf 'old\n' >big
	mlv track -q big
	commit_pointers v2
	cp big big.v2
	git checkout -q HEAD~1 -- big.mlv
	MLV_FAULT_LOG="$PWD/points" mlv checkout -q big
	cmp big big.v1
	[ "$(stat -c %a big)" = 644 ]
	cp big.v2 big
	npoints=$(wc -l <points)
	[ "$npoints" -gt 3 ]
	for n in $(seq 1 "$npoints"); do
		point=$(sed -n "${n}p" points)
		for how in ENOSPC kill; do
			cp big.v2 big
			if [ $how = ENOSPC ]; then
				run --separate-stderr env MLV_FAULT_AT="$n" MLV_FAULT_ERRNO=ENOSPC mlv checkout -f big
			else
				run --separate-stderr env MLV_FAULT_AT="$n" mlv checkout -f big
			fi
			case "$point" in
			"$n commit index") [ "$status" -eq 0 ] || [ "$status" -eq 137 ] ;;
			*"rename big") [ $how = kill ] && [ "$status" -eq 137 ] ||
				[[ "$status" -eq 128 && "$stderr" == "mlv: error: cannot write 'big': no space left on device" ]] ;;
			*) [ "$how" = kill ] && [ "$status" -eq 137 ] ||
				[[ "$status" -eq 128 && "$stderr" == "mlv: error: cannot write 'big': no space left on device" ]] ;;
			esac || { echo "$how at $n/$npoints ($point): exit $status, stderr '$stderr'" >&2; return 1; }
			cmp -s big big.v1 || cmp -s big big.v2 || { echo "$how at $n ($point): big is neither old nor new" >&2; return 1; }
			[ $how = kill ] || [ -z "$(temp_files)" ] || { echo "at $n ($point): temp files left: $(temp_files)" >&2; return 1; }
			find . -path ./.git -prune -o -name '.mlv-tmp-*' -exec rm -f {} +
		done
	done
	run mlv checkout -f big
	assert_status 0
	cmp big big.v1
	assert_fsck_clean
}

@test "checkout: killed at every write step, each file is old or new and the next checkout works" {
	setup_versions
	git checkout -q HEAD~1 -- x.csv.mlv data.mlv
	reset_to_v2
	MLV_FAULT_LOG="$PWD/points" mlv checkout -f -q
	npoints=$(wc -l <points)
	[ "$npoints" -gt 4 ]
	for n in $(seq 1 "$npoints"); do
		reset_to_v2
		run --separate-stderr env MLV_FAULT_AT="$n" mlv checkout -f
		[ "$status" -ne 0 ] || { echo "kill at $n: exit 0" >&2; return 1; }
		for f in x.csv data/sub/b; do
			cmp -s "$f" "v1/$f" || cmp -s "$f" "v2/$f" ||
				{ echo "kill at $n ($(sed -n "${n}p" points)): $f is neither old nor new" >&2; return 1; }
		done
		run --separate-stderr mlv checkout -f
		assert_status 0
		cmp x.csv v1/x.csv
		cmp data/sub/b v1/data/sub/b
		cmp data/a v1/data/a
		assert_eq "$(readlink data/l)" a
		# only a temporary file of the killed run may be left
		run mlv status
		[[ -z "$output" || "$output" == "added         data/c" ]] ||
			[[ "$output" =~ ^"added         data/c"$'\n'"added         data/".*".mlv-tmp-" ]] ||
			[[ "$output" =~ ^"added         data/".*".mlv-tmp-" ]] ||
			{ echo "kill at $n: status: $output" >&2; return 1; }
	done
	assert_fsck_clean
}

@test "checkout: two clones sharing one store with mlv init --store" {
	mkdir a
	cd a
	git init -q
	run --separate-stderr mlv init --store ../shared
	assert_status 0
	assert_eq "$output" "Initialized empty mlv store in $TEST_ROOT/work/a/.mlv/"
	noise 200000 >big
	mkdir d && printf 'in d\n' >d/f
	mlv track -q big d
	commit_pointers v1
	cd ..
	git clone -q a b
	cd b
	mlv init -q --store ../shared
	run --separate-stderr mlv status
	assert_eq "$output" "missing       big
missing       d"
	run --separate-stderr mlv checkout
	assert_status 0
	assert_eq "$output" "updated big
updated d/f"
	cmp big ../a/big
	cmp d/f ../a/d/f
	# a new version tracked in b is visible to a at once
	printf 'from b\n' >>d/f
	mlv track -q d
	git add d.mlv && git commit -qm v2
	cd ../a
	git pull -q ../b HEAD
	run --separate-stderr mlv checkout
	assert_status 0
	assert_eq "$output" "updated d/f"
	cmp d/f ../b/d/f
	run mlv fsck --full
	assert_status 0
	# without the shared store, the data is not there: a clear error
	cd ..
	git clone -q a c
	cd c
	mlv init -q
	run --separate-stderr mlv status
	assert_eq "$output" "not-in-store  big
missing       big
not-in-store  d
missing       d"
	run --separate-stderr mlv checkout
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot check out 'big': its data ($(oid_in big.mlv)) is not in the store"
}

@test "checkout: names that differ only in case: stored and written on a case-sensitive file system, refused where case folds" {
	repo_init
	mkdir -p d/sub 123
	printf 'upper\n' >d/Data.csv
	printf 'lower\n' >d/data.csv
	printf 'x\n' >d/sub/x
	printf 'A\n' >123/A
	printf 'a\n' >123/a
	run mlv track d 123
	assert_status 0
	assert_eq "$(mlv ls-tree "$(oid_in d.mlv)" | awk '{print $NF}' | tr '\n' ' ')" "Data.csv data.csv sub "
	# Linux: both are written, each with its own bytes, and nothing else is
	rm -r d 123
	mkdir 123   # an empty directory: the file system is probed with a temporary file, then it is removed
	run --separate-stderr mlv checkout d 123
	assert_status 0
	assert_eq "$(cat d/Data.csv d/data.csv 123/A 123/a)" "upper
lower
A
a"
	assert_eq "$(temp_files)" ""
	assert_fsck_clean
	# Where the file system folds case (simulated: MLV_TEST_FOLD_CASE=1), checkout
	# refuses before it writes anything of that directory, naming both paths
	rm -r d
	before=$(cd "$TEST_ROOT" && find . | sort)
	for f in "" -f; do
		MLV_TEST_FOLD_CASE=1 run --separate-stderr mlv checkout $f d
		assert_status 128
		assert_eq "$output" ""
		assert_eq "$stderr" "mlv: error: cannot check out 'd': 'd/Data.csv' and 'd/data.csv' differ only in case and this file system does not tell them apart (one would overwrite the other); nothing of 'd' was written (check it out on a case-sensitive file system)"
		assert_eq "$(cd "$TEST_ROOT" && find . | sort)" "$before"
	done
	# an existing directory: its files are left as they are
	mlv checkout d
	printf 'mine\n' >d/data.csv
	before=$(tree_state)
	MLV_TEST_FOLD_CASE=1 run --separate-stderr mlv checkout -f d
	assert_status 128
	assert_eq "$(tree_state)" "$before"
	# one file of the directory is no pair: it is written
	MLV_TEST_FOLD_CASE=1 run mlv checkout -f d/data.csv
	assert_status 0
	assert_eq "$(cat d/data.csv)" "lower"
	# a tree without such names checks out whatever the file system does
	rm -r d/sub
	MLV_TEST_FOLD_CASE=1 run mlv checkout d/sub
	assert_status 0
	assert_eq "$(cat d/sub/x)" "x"
}

@test "checkout: -h and unknown options are usage errors" {
	repo_init
	run --separate-stderr mlv checkout -h
	assert_status 129
	assert_eq "$(head -1 <<<"$output")" "usage: mlv checkout [-f] [-q] [--json] [<path>...]"
	run --separate-stderr mlv checkout --bogus
	assert_status 129
	assert_eq "$(head -1 <<<"$stderr")" "mlv: unknown option '--bogus'"
}
