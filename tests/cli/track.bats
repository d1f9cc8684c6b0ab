#!/usr/bin/env bats
# mlv track: pointer files and .gitignore lines with the exact bytes, states
# new/changed/unchanged, symlinks stored and never followed, every refused
# path with its message and nothing stored, files changing while read,
# concurrent tracks, a read-only work tree.

load helper
load plumbing
load data

@test "track: a file gets its pointer, a .gitignore line, and its bytes in the store" {
	repo_init
	printf 'a,b\n1,2\n' >x.csv
	run --separate-stderr mlv track x.csv
	assert_status 0
	assert_eq "$output" "new       x.csv (sha256:$(sha x.csv | cut -c1-12), 8 bytes)"
	assert_eq "$stderr" ""
	assert_eq "$(cat x.csv.mlv)" "{\"kind\":\"file\",\"oid\":\"sha256:$(sha x.csv)\",\"size\":8}"
	ptr_file x.csv | cmp - x.csv.mlv
	printf '/x.csv\n' | cmp - .gitignore
	assert_eq "$(cat x.csv)" "a,b
1,2"
	mlv cat-object blob "$(sha x.csv)" | cmp - x.csv
	# git sees the pointer and .gitignore, not the data
	assert_eq "$(git status --porcelain -- x.csv x.csv.mlv .gitignore)" "?? .gitignore
?? x.csv.mlv"
	assert_fsck_clean
}

@test "track: a directory becomes a tree; the pointer has its id, file count and total size" {
	repo_init
	mkdir -p data/sub
	printf 'one\n' >data/a
	printf 'two\n' >data/sub/b
	chmod +x data/a
	ln -s a data/l
	run --separate-stderr mlv track data/
	assert_status 0
	tree=$(mlv hash-object -w data)
	assert_eq "$output" "new       data/ (sha256:${tree:0:12}, 3 files, 9 bytes)"
	printf '{"files":3,"kind":"dir","oid":"sha256:%s","size":9}\n' "$tree" | cmp - data.mlv
	printf '/data\n' | cmp - .gitignore
	run mlv ls-tree -r "$tree"
	assert_eq "$output" "100755 blob $(sha data/a)	4	a
120000 blob $(printf a | sha256sum | cut -d' ' -f1)	1	l
100644 blob $(sha data/sub/b)	4	sub/b"
	[ -L data/l ] && assert_eq "$(readlink data/l)" a
	assert_fsck_clean
}

@test "track: a path in a subdirectory, from anywhere; the .gitignore is the one beside it" {
	repo_init
	mkdir -p data/raw
	printf 'x\n' >data/raw/train.csv
	printf '# mine\n*.tmp\n' >data/raw/.gitignore
	cd data
	run --separate-stderr mlv track raw/train.csv
	assert_status 0
	assert_eq "$output" "new       data/raw/train.csv (sha256:$(sha raw/train.csv | cut -c1-12), 2 bytes)"
	cd ..
	ptr_file data/raw/train.csv | cmp - data/raw/train.csv.mlv
	printf '# mine\n*.tmp\n/train.csv\n' | cmp - data/raw/.gitignore
	[ ! -e .gitignore ] && [ ! -e data/.gitignore ]
	# an absolute path and -C name the same thing
	run --separate-stderr mlv track "$PWD/data/raw/train.csv"
	assert_eq "$output" "unchanged data/raw/train.csv (sha256:$(sha data/raw/train.csv | cut -c1-12), 2 bytes)"
	run --separate-stderr mlv -C data/raw track train.csv
	assert_status 0
	printf '# mine\n*.tmp\n/train.csv\n' | cmp - data/raw/.gitignore
}

@test "track: tracking again unchanged says unchanged, stores nothing and rewrites nothing" {
	repo_init
	noise 300000 >big
	mkdir d && printf 'f\n' >d/f
	# the stat cache trusts only files that have held still a moment
	sleep 0.2
	mlv track -q big d
	cp big.mlv big.mlv.before
	cp d.mlv d.mlv.before
	inode=$(stat -c %i big.mlv)
	run --separate-stderr mlv track --json big d
	assert_status 0
	assert_eq "$output" "{\"schema\":\"mlv.track/1\",\"paths\":[{\"path\":\"big\",\"kind\":\"file\",\"oid\":\"sha256:$(sha big)\",\"size\":300000,\"state\":\"unchanged\"},{\"path\":\"d\",\"kind\":\"dir\",\"oid\":\"sha256:$(oid_in d.mlv)\",\"size\":2,\"files\":1,\"state\":\"unchanged\"}],\"stored\":{\"chunks_new\":0,\"bytes_new\":0,\"bytes_stored\":0}}"
	cmp big.mlv big.mlv.before
	cmp d.mlv d.mlv.before
	assert_eq "$(stat -c %i big.mlv)" "$inode"
	printf '/big\n/d\n' | cmp - .gitignore
	# the file is not even read again: no pack is written
	packs=$(pack_files)
	run --separate-stderr mlv track big
	assert_eq "$output" "unchanged big (sha256:$(sha big | cut -c1-12), 300000 bytes)"
	assert_eq "$(pack_files)" "$packs"
	assert_fsck_clean
}

@test "track: a changed file says changed and gets a new pointer; the old version stays in the store" {
	repo_init
	printf 'v1\n' >f
	mlv track -q f
	old=$(sha f)
	printf 'version 2\n' >f
	run --separate-stderr mlv track f
	assert_status 0
	assert_eq "$output" "changed   f (sha256:$(sha f | cut -c1-12), 10 bytes)"
	ptr_file f | cmp - f.mlv
	printf '/f\n' | cmp - .gitignore
	assert_eq "$(mlv cat-object blob "$old")" v1
	assert_fsck_clean
}

@test "track --json: the schema, each path with kind, id, size, state, and what was stored" {
	repo_init
	printf 'abc' >a
	run --separate-stderr mlv track --json a
	assert_status 0
	assert_eq "$stderr" ""
	assert_eq "$(jq -r .schema <<<"$output")" mlv.track/1
	assert_eq "$(jq -c '.paths' <<<"$output")" \
		"[{\"path\":\"a\",\"kind\":\"file\",\"oid\":\"sha256:$(sha a)\",\"size\":3,\"state\":\"new\"}]"
	assert_eq "$(jq -c '[.stored.chunks_new, .stored.bytes_new]' <<<"$output")" "[1,3]"
	[ "$(jq .stored.bytes_stored <<<"$output")" -gt 0 ]
	run --separate-stderr mlv track -q a
	assert_status 0
	assert_eq "$output" ""
}

@test "track: the name of a pointer file means its data" {
	repo_init
	printf 'data\n' >x.csv
	run --separate-stderr mlv track x.csv.mlv
	assert_status 0
	assert_eq "$output" "new       x.csv (sha256:$(sha x.csv | cut -c1-12), 5 bytes)"
	ptr_file x.csv | cmp - x.csv.mlv
	[ ! -e x.csv.mlv.mlv ]
	printf '/x.csv\n' | cmp - .gitignore
}

@test "track: a symlink is stored as a link; its target outside the work tree is never read" {
	repo_init
	mkdir "$TEST_ROOT/outside"
	# Reading the target would block on the FIFO: the link must not be followed.
	mkfifo "$TEST_ROOT/outside/fifo"
	ln -s "$TEST_ROOT/outside/fifo" lnk
	ln -s "no such target" dangling
	run --separate-stderr timeout 20 mlv track lnk dangling
	assert_status 0
	t="$TEST_ROOT/outside/fifo"
	assert_eq "$output" "new       lnk (sha256:$(printf '%s' "$t" | sha256sum | cut -c1-12), ${#t} bytes)
new       dangling (sha256:$(printf 'no such target' | sha256sum | cut -c1-12), 14 bytes)"
	ptr_link lnk | cmp - lnk.mlv
	ptr_link dangling | cmp - dangling.mlv
	assert_eq "$(jq -r .kind lnk.mlv)" link
	printf '/lnk\n/dangling\n' | cmp - .gitignore
	assert_eq "$(mlv cat-object blob "$(oid_in lnk.mlv)")" "$t"
	[ -p "$t" ] && [ -L lnk ]
	# checkout makes the link again, not a copy of what it points to
	rm lnk
	run --separate-stderr timeout 20 mlv checkout lnk
	assert_status 0
	assert_eq "$output" "updated lnk"
	[ -L lnk ] && assert_eq "$(readlink lnk)" "$t"
	assert_fsck_clean
}

@test "track: a path outside the work tree is refused and nothing is stored" {
	repo_init
	mkdir "$TEST_ROOT/outside"
	printf 'secret\n' >"$TEST_ROOT/outside/s"
	printf 'mine\n' >mine
	before=$(tree_state)
	for arg in ../outside/s "$TEST_ROOT/outside/s" .. ../work/../outside/s; do
		run --separate-stderr mlv track mine "$arg"
		assert_status 128
		assert_eq "$output" ""
		assert_eq "$stderr" "mlv: error: '$arg' is outside the work tree '$TEST_ROOT/work'"
	done
	assert_eq "$(tree_state)" "$before"
	assert_eq "$(pack_files)" ""
	assert_eq "$(cat "$TEST_ROOT/outside/s")" secret
	assert_fsck_clean
}

@test "track: .git, .mlv, in any case, and paths inside them are refused" {
	repo_init
	mkdir sub
	printf 'x\n' >sub/x
	git_before=$(find .git -type f -exec sha256sum {} + | sort)
	before=$(tree_state)
	check() {
		run --separate-stderr mlv track sub/x "$1"
		assert_status 128
		assert_eq "$output" ""
		assert_eq "$stderr" "mlv: error: '$1' is inside '$2', which mlv never tracks"
	}
	check .git .git
	check .mlv .mlv
	check .GIT .GIT
	check .Mlv .Mlv
	check .git/config .git
	check .mlv/config .mlv
	check ./.git/ .git
	check sub/../.git .git
	check sub/.git/x .git
	run --separate-stderr mlv -C .git track config
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'config' is inside '.git', which mlv never tracks"
	assert_eq "$(tree_state)" "$before"
	assert_eq "$(find .git -type f -exec sha256sum {} + | sort)" "$git_before"
	assert_eq "$(pack_files)" ""
	[ ! -e .git.mlv ] && [ ! -e .gitignore ]
	assert_fsck_clean
}

@test "track: the work tree itself and an empty path are refused" {
	repo_init
	run --separate-stderr mlv track .
	assert_status 128
	assert_eq "$stderr" "mlv: error: '.' is the work tree itself; name what to track inside it"
	run --separate-stderr mlv track ''
	assert_status 128
	assert_eq "$stderr" "mlv: error: empty path"
	assert_eq "$(tree_state)" ""
	assert_eq "$(pack_files)" ""
}

@test "track: a path through a symlinked directory is refused; nothing outside is read or written" {
	repo_init
	mkdir "$TEST_ROOT/outside"
	printf 'secret\n' >"$TEST_ROOT/outside/s"
	ln -s "$TEST_ROOT/outside" linked
	run --separate-stderr mlv track linked/s
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'linked' is a symlink or not a directory; mlv does not go through it"
	assert_eq "$(ls -A "$TEST_ROOT/outside")" s
	assert_eq "$(pack_files)" ""
	[ ! -e .gitignore ]
}

@test "track: a missing path, a FIFO, and a path inside a tracked directory fail clearly" {
	repo_init
	mkdir d && printf '1\n' >d/x
	mlv track -q d
	mkfifo ff
	before=$(tree_state)
	packs=$(pack_files)
	run --separate-stderr mlv track nope
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot track 'nope': no such file or directory"
	run --separate-stderr timeout 20 mlv track ff
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot track 'ff': not a regular file, directory or symlink"
	run --separate-stderr mlv track d/x
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'd/x' is inside the tracked directory 'd'; track 'd' again instead"
	assert_eq "$output" ""
	assert_eq "$(tree_state)" "$before"
	assert_eq "$(pack_files)" "$packs"
}

@test "track: the same path twice, or one path inside another, in one command is refused" {
	repo_init
	mkdir d && printf '1\n' >d/x
	printf 'f\n' >f
	before=$(tree_state)
	run --separate-stderr mlv track f ./f
	assert_status 128
	assert_eq "$stderr" "mlv: error: './f' is named twice"
	run --separate-stderr mlv track f f.mlv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'f.mlv' is named twice"
	# the pointer and .gitignore of d/x would be written inside d's data
	run --separate-stderr mlv track d d/x
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'd/x' is inside 'd'; track one or the other"
	run --separate-stderr mlv track d/x/ d
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'd/x' is inside 'd'; track one or the other"
	assert_eq "$output" ""
	assert_eq "$(tree_state)" "$before"
	assert_eq "$(pack_files)" ""
}

@test "track: paths with spaces, newlines and non-UTF-8 bytes; .gitignore lines escaped so git ignores exactly them" {
	repo_init
	names=('sp ace ' $'new\nline' $'bad\xffname' 'we*ird[1]#!?' '#hash' '!bang' 'back\slash')
	i=0
	for n in "${names[@]}"; do printf 'content %d\n' $((i++)) >"$n"; done
	# decoys the escaped lines must not match
	printf 'decoy\n' >'weXird[1]#!?'
	printf 'decoy\n' >'new_line'
	run --separate-stderr mlv track "${names[@]}"
	assert_status 0
	expected=
	for n in "${names[@]}"; do
		expected+="new       $n (sha256:$(sha_of "$n" | cut -c1-12), 10 bytes)"$'\n'
		ptr_file "$n" | cmp - "$n.mlv"
	done
	assert_eq "$output" "${expected%$'\n'}"
	printf '%s\n' '/sp ace\ ' '/new?line' $'/bad\xffname' '/we\*ird\[1]\#\!\?' '/\#hash' '/\!bang' '/back\\slash' |
		cmp - .gitignore
	# git ignores each tracked name and neither decoy ('?' stands for the newline)
	run git -c core.quotePath=false check-ignore --no-index -- 'sp ace ' 'we*ird[1]#!?' '#hash' '!bang' \
		'back\slash' 'weXird[1]#!?' 'sp ace' 'new_line'
	assert_eq "$output" "sp ace 
we*ird[1]#!?
#hash
!bang
\"back\\\\slash\"
new_line"
	run git check-ignore --no-index -- $'bad\xffname'
	assert_status 0
	run --separate-stderr mlv track --json $'new\nline' $'bad\xffname'
	assert_status 0
	assert_eq "$output" "{\"schema\":\"mlv.track/1\",\"paths\":[{\"path\":\"new\\nline\",\"kind\":\"file\",\"oid\":\"sha256:$(sha_of $'new\nline')\",\"size\":10,\"state\":\"unchanged\"},{\"path\":\"bad\\u00ffname\",\"kind\":\"file\",\"oid\":\"sha256:$(sha_of $'bad\xffname')\",\"size\":10,\"state\":\"unchanged\"}],\"stored\":{\"chunks_new\":0,\"bytes_new\":0,\"bytes_stored\":0}}"
	assert_fsck_clean
}

@test "track: a file that changes while it is read is never stored under a torn id" {
	repo_init
	head -c 100000000 /dev/urandom >big
	# Keep appending while mlv reads it.
	(while :; do printf x >>big; done) &
	writer=$!
	seen=
	for try in 1 2 3 4 5; do
		run --separate-stderr mlv track big
		if [ "$status" -eq 128 ]; then
			assert_eq "$stderr" "mlv: error: 'big' changed while it was being read; try again"
			assert_eq "$output" ""
			seen=1
			break
		fi
		assert_status 0
		# whatever was stored, its id is the hash of its bytes and the size is theirs
		id=$(oid_in big.mlv)
		assert_eq "$(mlv cat-object blob "$id" | sha256sum | cut -d' ' -f1)" "$id"
		assert_eq "$(jq .size big.mlv)" "$(mlv cat-object -s "$id")"
	done
	kill "$writer"
	wait "$writer" 2>/dev/null || true
	[ -n "$seen" ] || skip "the file never changed during a read"
	# no pointer names data that is not what its id says
	if [ -e big.mlv ]; then
		id=$(oid_in big.mlv)
		assert_eq "$(mlv cat-object blob "$id" | sha256sum | cut -d' ' -f1)" "$id"
		assert_eq "$(jq .size big.mlv)" "$(mlv cat-object -s "$id")"
	fi
	run --separate-stderr mlv fsck --full
	assert_status 0
	# once it holds still it tracks fine
	run --separate-stderr mlv track big
	assert_status 0
	ptr_file big | cmp - big.mlv
}

@test "track: two tracks of the same directory at once both succeed or one fails cleanly" {
	repo_init
	mkdir d
	for i in $(seq 1 200); do noise 5000 "$(printf '%032x' "$i")" >"d/f$i"; done
	for round in 1 2 3; do
		[ "$round" -lt 3 ] || printf 'changed\n' >d/f1
		mlv track d >o1 2>e1 &
		p1=$!
		mlv track d >o2 2>e2 &
		p2=$!
		s1=0 s2=0
		wait "$p1" || s1=$?
		wait "$p2" || s2=$?
		for s in "$s1:e1" "$s2:e2"; do
			case "${s%%:*}" in
			0) [ ! -s "${s#*:}" ] ;;
			128) grep -q '^mlv: error: ' "${s#*:}" ;;
			*) echo "round $round: exit ${s%%:*}: $(cat "${s#*:}")" >&2; return 1 ;;
			esac
		done
		[ "$s1" -eq 0 ] || [ "$s2" -eq 0 ]
		tree=$(mlv hash-object -w d)
		size=$(find d -type f -printf '%s\n' | awk '{ n += $1 } END { print n }')
		printf '{"files":200,"kind":"dir","oid":"sha256:%s","size":%d}\n' "$tree" "$size" | cmp - d.mlv
		printf '/d\n' | cmp - .gitignore
	done
	run --separate-stderr mlv status
	assert_status 0
	assert_eq "$output" ""
	run --separate-stderr mlv fsck --full
	assert_status 0
}

@test "track: in a read-only work tree it fails clearly and changes nothing there" {
	nobody_dir
	repo_init
	printf 'one\n' >f
	mlv track -q f
	printf 'two\n' >f
	[ "$(id -u)" -ne 0 ] || chown -R 65534:65534 .mlv
	chmod 555 .
	before=$(tree_state)
	run --separate-stderr as_nobody "$MLV_BIN" track f
	chmod 755 .
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: cannot create a temporary file for 'f.mlv': permission denied"
	assert_eq "$(tree_state)" "$before"
	assert_eq "$(cat f)" two
	assert_eq "$(ls -A)" ".git
.gitignore
.mlv
f
f.mlv"
	assert_fsck_clean
}

@test "track: outside a store, -h, unknown options and no path" {
	printf 'x\n' >f
	run --separate-stderr mlv track f
	assert_status 128
	assert_eq "$stderr" "mlv: error: not in a mlv store (or any parent directory); run 'mlv init' first"
	[ ! -e f.mlv ] && [ ! -e .mlv ]
	repo_init
	run --separate-stderr mlv track -h
	assert_status 129
	assert_eq "$(head -1 <<<"$output")" "usage: mlv track [-q] [--json] <path>..."
	run --separate-stderr mlv track --bogus f
	assert_status 129
	assert_eq "$(head -1 <<<"$stderr")" "mlv: unknown option '--bogus'"
	run --separate-stderr mlv track
	assert_status 129
	assert_eq "$(head -1 <<<"$stderr")" "usage: mlv track [-q] [--json] <path>..."
	[ ! -e f.mlv ]
	assert_eq "$(pack_files)" ""
}

@test "track: re-tracking a directory whose files were re-read stores nothing and writes no pack" {
	repo_init
	mkdir d
	printf 'a\n' > d/a
	printf 'b\n' > d/b
	mlv track -q d
	before=$(ls .mlv/objects/pack | wc -l)
	# new ctimes: the stat cache no longer vouches, so the files are read again
	touch d/a d/b
	sleep 0.2
	run mlv track --json d
	[ "$status" -eq 0 ]
	[[ "$output" == *'"state":"unchanged"'* ]]
	[[ "$output" == *'"stored":{"chunks_new":0,"bytes_new":0,"bytes_stored":0}'* ]]
	[ "$(ls .mlv/objects/pack | wc -l)" -eq "$before" ]
	assert_fsck_clean
}

@test "track: a directory of many files, stored in parallel batches: exact tree, duplicates stored once, one pack" {
	repo_init
	mkdir -p d/sub
	# 600 small files with 150 distinct contents (several batches of the file pool)
	for i in $(seq 1 600); do printf 'row %d\n' "$((i % 150))" >"d/f$i"; done
	: >d/empty
	chmod +x d/f7
	noise 300000 >d/sub/mid          # several chunks
	cp d/sub/mid d/sub/mid-copy
	noise 5000000 0f0e0d0c0b0a09080706050403020100 >d/big # larger than the files read whole: streamed
	cp -a d copy
	run --separate-stderr mlv track --json d
	assert_status 0
	# each file's id, mode and size, as the tree lists them
	expected=$(cd d && find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum |
		while read -r id f; do
			mode=100644
			[ -x "$f" ] && mode=100755
			printf '%s blob %s\t%s\t%s\n' "$mode" "$id" "$(stat -c %s "$f")" "$f"
		done)
	run mlv ls-tree -r "$(oid_in d.mlv)"
	assert_eq "$output" "$expected"
	# every distinct content written once: the new bytes are those of the distinct files and the two trees
	tree=$(oid_in d.mlv)
	sub=$(mlv ls-tree "$tree" | awk '$2 == "tree" { print $3 }')
	distinct=$( (cd d && find . -type f -exec sha256sum {} + | sort -u -k1,1 | while read -r id f; do stat -c %s "$f"; done
		mlv cat-object -s "$tree"
		mlv cat-object -s "$sub") | awk '{ s += $1 } END { print s }')
	run mlv track --json d
	assert_status 0
	[[ "$output" == *'"state":"unchanged"'* ]]
	rm -rf .mlv && mlv init -q
	run --separate-stderr mlv track --json d
	[[ "$output" == *"\"bytes_new\":$distinct,"* ]] || { echo "$output, expected bytes_new $distinct" >&2; false; }
	assert_eq "$(pack_files | wc -l)" 1
	rm -rf d
	run --separate-stderr mlv checkout d
	assert_status 0
	diff -r copy d
	run mlv fsck --full
	assert_status 0
}
