#!/usr/bin/env bats
# mlv status: silent and 0 when clean; each kind of difference with its
# word; --exit-code and --json; path arguments; bad pointers fail clearly
# and change nothing.

load helper
load plumbing
load data

# A work tree with a tracked file x.csv and a tracked directory data/.
setup_tracked() {
	repo_init
	printf 'a,b\n1,2\n' >x.csv
	mkdir -p data/sub
	printf 'one\n' >data/a
	printf 'two\n' >data/sub/b
	ln -s a data/l
	mlv track -q x.csv data
}

@test "status: clean is silent and exits 0, with or without --exit-code" {
	setup_tracked
	for opt in "" --exit-code; do
		run --separate-stderr mlv status $opt
		assert_status 0
		assert_eq "$output" ""
		assert_eq "$stderr" ""
	done
	run --separate-stderr mlv status --json
	assert_status 0
	assert_eq "$output" '{"schema":"mlv.status/1","clean":true,"changes":[]}'
	run --separate-stderr mlv status --json --exit-code
	assert_status 0
	assert_eq "$output" '{"schema":"mlv.status/1","clean":true,"changes":[]}'
}

@test "status: with no pointers at all it is clean" {
	repo_init
	run --separate-stderr mlv status --exit-code
	assert_status 0
	assert_eq "$output" ""
}

@test "status: modified, missing, added and deleted, in path order; --exit-code exits 1" {
	setup_tracked
	printf 'new\n' >data/c
	rm data/a
	printf 'two!\n' >data/sub/b
	printf 'mod\n' >>x.csv
	printf 'y\n' >y
	mlv track -q y
	rm y
	before=$(tree_state)
	run --separate-stderr mlv status
	assert_status 0
	assert_eq "$output" "deleted       data/a
added         data/c
modified      data/sub/b
modified      x.csv
missing       y"
	assert_eq "$stderr" ""
	run --separate-stderr mlv status --exit-code
	assert_status 1
	assert_eq "${#lines[@]}" 5
	run --separate-stderr mlv status --json --exit-code
	assert_status 1
	assert_eq "$output" '{"schema":"mlv.status/1","clean":false,"changes":[{"path":"data/a","change":"deleted"},{"path":"data/c","change":"added"},{"path":"data/sub/b","change":"modified"},{"path":"x.csv","change":"modified"},{"path":"y","change":"missing"}]}'
	# status only looks
	assert_eq "$(tree_state)" "$before"
}

@test "status: a file of the same size with other bytes is modified" {
	setup_tracked
	sleep 0.2
	mlv status # fills the stat cache
	printf 'a,b\n9,2\n' >x.csv
	run --separate-stderr mlv status
	assert_eq "$output" "modified      x.csv"
}

@test "status: a large directory (its entries stat'ed on every core): changes in its first, middle and last entries" {
	repo_init
	mkdir big
	for i in $(seq -w 1 1500); do echo "$i" >big/f$i; done
	mlv track -q big
	sleep 0.2
	mlv status # fills the stat cache
	echo changed >big/f0001
	echo changed >big/f0777
	rm big/f1500 && mkdir big/f1500
	run --separate-stderr mlv status --exit-code
	assert_status 1
	assert_eq "$output" "modified      big/f0001
modified      big/f0777
type-changed  big/f1500"
	# an entry that vanished between the listing and its stat: deleted, the rest still compared
	rmdir big/f1500 && echo 1500 >big/f1500 && echo 0001 >big/f0001
	rm big/f0002
	run --separate-stderr mlv status
	assert_eq "$output" "deleted       big/f0002
modified      big/f0777"
	# one added, one removed: as many names as the tree, other names
	echo new >big/g0001
	run --separate-stderr mlv status
	assert_eq "$output" "deleted       big/f0002
modified      big/f0777
added         big/g0001"
}

@test "status: type changes: a file where a directory was, a directory where a file was, a link retargeted" {
	setup_tracked
	rm -r data/sub && printf 'file now\n' >data/sub
	rm data/a && mkdir data/a
	rm data/l && ln -s sub data/l
	rm x.csv && mkdir x.csv
	run --separate-stderr mlv status --exit-code
	assert_status 1
	assert_eq "$output" "type-changed  data/a
modified      data/l
type-changed  data/sub
type-changed  x.csv"
	rm -r data && ln -s x.csv data
	run --separate-stderr mlv status data
	assert_eq "$output" "type-changed  data"
}

@test "status: a symlink where the tree has a directory is a type change and is not followed" {
	setup_tracked
	mkdir "$TEST_ROOT/outside"
	printf 'two\n' >"$TEST_ROOT/outside/b"
	rm -r data/sub
	ln -s "$TEST_ROOT/outside" data/sub
	run --separate-stderr mlv status
	assert_eq "$output" "type-changed  data/sub"
	# asked about a file below it, the change above it is what takes it away
	run --separate-stderr mlv status --exit-code data/sub/b
	assert_status 1
	assert_eq "$output" "type-changed  data/sub"
	assert_eq "$(ls -A "$TEST_ROOT/outside")" b
}

@test "status: path arguments: a tracked path, its pointer, a path inside a tracked directory, a directory of pointers" {
	setup_tracked
	mkdir -p models/v1
	printf 'm1\n' >models/v1/m.bin
	printf 'm2\n' >models/m.bin
	mlv track -q models/v1/m.bin models/m.bin
	printf 'x\n' >>models/v1/m.bin
	printf 'x\n' >>models/m.bin
	printf 'x\n' >>x.csv
	printf 'x\n' >>data/a
	printf 'x\n' >>data/sub/b
	run --separate-stderr mlv status x.csv.mlv
	assert_eq "$output" "modified      x.csv"
	run --separate-stderr mlv status models
	assert_eq "$output" "modified      models/m.bin
modified      models/v1/m.bin"
	run --separate-stderr mlv status data/sub
	assert_eq "$output" "modified      data/sub/b"
	run --separate-stderr mlv status data/a
	assert_eq "$output" "modified      data/a"
	cd models/v1
	run --separate-stderr mlv status .
	assert_eq "$output" "modified      models/v1/m.bin"
	run --separate-stderr mlv status ../../x.csv m.bin
	assert_eq "$output" "modified      x.csv
modified      models/v1/m.bin"
	run --separate-stderr mlv status
	assert_eq "${#lines[@]}" 5
}

@test "status: a path that is not tracked is an error" {
	setup_tracked
	printf 'x\n' >plain
	run --separate-stderr mlv status plain
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'plain' is not tracked (no 'plain.mlv' and nothing tracked below it)"
	run --separate-stderr mlv status ../elsewhere
	assert_status 128
	assert_eq "$stderr" "mlv: error: '../elsewhere' is outside the work tree '$TEST_ROOT/work'"
	run --separate-stderr mlv status .git
	assert_status 128
	assert_eq "$stderr" "mlv: error: '.git' is inside '.git', which mlv never tracks"
}

@test "status: pointers whose data is not in the store are not-in-store" {
	setup_tracked
	printf '{"kind":"file","oid":"sha256:%s","size":8}\n' "$(printf 'a,b\n3,4\n' | sha256sum | cut -d' ' -f1)" >x.csv.mlv
	printf '{"files":1,"kind":"dir","oid":"sha256:%064d","size":1}\n' 7 >data.mlv
	run --separate-stderr mlv status --exit-code
	assert_status 1
	assert_eq "$output" "not-in-store  data
not-in-store  x.csv
modified      x.csv"
	run --separate-stderr mlv status --json
	assert_eq "$output" '{"schema":"mlv.status/1","clean":false,"changes":[{"path":"data","change":"not-in-store"},{"path":"x.csv","change":"not-in-store"},{"path":"x.csv","change":"modified"}]}'
}

@test "status: a pointer that is not JSON, has an unknown kind, a bad id or a wrong size fails clearly; the rest is still reported" {
	setup_tracked
	printf 'mod\n' >>x.csv
	printf 'y\n' >y
	mlv track -q y
	id=$(sha y)
	check() {
		printf '%s\n' "$1" >y.mlv
		before=$(tree_state)
		run --separate-stderr mlv status
		assert_status 128
		assert_eq "$output" "modified      x.csv"
		assert_eq "$stderr" "mlv: error: $2"
		run --separate-stderr mlv status --json y
		assert_status 128
		assert_eq "$output" '{"schema":"mlv.status/1","clean":true,"changes":[]}'
		assert_eq "$stderr" "mlv: error: $2"
		assert_eq "$(tree_state)" "$before"
	}
	check 'not json' "pointer 'y.mlv' is not valid JSON (at byte 0)"
	check "{\"kind\":\"blob\",\"oid\":\"sha256:$id\",\"size\":2}" "pointer 'y.mlv' has an unknown kind \"blob\""
	check '{"kind":"file","oid":"sha256:xyz","size":2}' "pointer 'y.mlv' has a bad \"oid\" (expected \"sha256:\" and 64 hex digits)"
	check "{\"kind\":\"file\",\"oid\":\"md5:$id\",\"size\":2}" "pointer 'y.mlv' has a bad \"oid\" (expected \"sha256:\" and 64 hex digits)"
	check "{\"kind\":\"file\",\"oid\":\"sha256:$id\",\"size\":3}" "pointer 'y.mlv' says 3 bytes but its data has 2"
	check "{\"files\":1,\"kind\":\"dir\",\"oid\":\"sha256:$id\",\"size\":2}" "pointer 'y.mlv' names a blob, not the tree it says"
	assert_eq "$(cat y)" y
	assert_fsck_clean
}

@test "status: paths with spaces, newlines and non-UTF-8 bytes" {
	repo_init
	names=('sp ace' $'new\nline' $'bad\xffname')
	for n in "${names[@]}"; do printf 'x\n' >"$n"; done
	mlv track -q "${names[@]}"
	for n in "${names[@]}"; do printf 'y\n' >>"$n"; done
	run --separate-stderr mlv status
	assert_eq "$output" "modified      bad"$'\xff'"name
modified      new
line
modified      sp ace"
	run --separate-stderr mlv status --json $'new\nline.mlv'
	assert_eq "$output" '{"schema":"mlv.status/1","clean":false,"changes":[{"path":"new\nline","change":"modified"}]}'
}

@test "status: -h and unknown options are usage errors" {
	repo_init
	run --separate-stderr mlv status -h
	assert_status 129
	assert_eq "$(head -1 <<<"$output")" "usage: mlv status [--exit-code] [--json] [<path>...]"
	run --separate-stderr mlv status --bogus
	assert_status 129
	assert_eq "$(head -1 <<<"$stderr")" "mlv: unknown option '--bogus'"
}
