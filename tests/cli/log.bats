#!/usr/bin/env bats
# mlv log: the versions of a tracked path through git history.

load helper
load plumbing
load gitdata

# Three versions of data/train.csv, a commit that does not touch it, then
# its removal and return.
setup_history() {
	repo_init
	put data/train.csv 'a\n1\n'
	V1=$(sha data/train.csv)
	commit "first version"
	put data/train.csv 'a\n1\n2\n'
	V2=$(sha data/train.csv)
	commit "second version"
	put other.csv 'x\n'
	commit "unrelated"
	mlv untrack data/train.csv >/dev/null
	commit "drop it"
	put data/train.csv 'a\n3\n'
	V3=$(sha data/train.csv)
	GIT_AUTHOR_NAME="Ann Other" GIT_AUTHOR_EMAIL=ann@example.com \
		GIT_AUTHOR_DATE="2024-03-03T14:00:00+0100" commit "back again"
}

@test "log: one entry per version, newest first, commits that do not touch it left out" {
	setup_history
	run --separate-stderr mlv log data/train.csv
	assert_status 0
	assert_eq "$stderr" ""
	assert_eq "$(grep -c '^commit ' <<<"$output")" 4
	assert_eq "$(sed -n 1,6p <<<"$output")" "commit $(git rev-parse HEAD)
Author: Ann Other <ann@example.com>
Date:   2024-03-03T14:00:00+01:00
Data:   file sha256:$V3 4 bytes

    back again"
	assert_eq "$(grep '^Data:' <<<"$output")" "Data:   file sha256:$V3 4 bytes
Data:   (deleted)
Data:   file sha256:$V2 6 bytes
Data:   file sha256:$V1 4 bytes"
	assert_eq "$(grep '^    ' <<<"$output")" "    back again
    drop it
    second version
    first version"
}

@test "log --json -n: schema, fields, and at most n versions" {
	setup_history
	run --separate-stderr mlv log --json -n 2 data/train.csv
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" mlv.log/1
	assert_eq "$(jq -r .path <<<"$output")" data/train.csv
	assert_eq "$(jq '.versions | length' <<<"$output")" 2
	assert_eq "$(jq -c '.versions[0]' <<<"$output")" "{\"commit\":\"$(git rev-parse HEAD)\",\"author\":\"Ann Other\",\"email\":\"ann@example.com\",\"date\":\"2024-03-03T14:00:00+01:00\",\"time\":1709470800,\"subject\":\"back again\",\"deleted\":false,\"kind\":\"file\",\"oid\":\"$V3\",\"size\":4}"
	assert_eq "$(jq -c '.versions[1] | [.deleted, .oid, .size, .subject]' <<<"$output")" '[true,null,null,"drop it"]'
}

@test "log: the path is relative to the current directory; the pointer file names it too" {
	setup_history
	cd data
	assert_eq "$(mlv log --json train.csv | jq -r '.path')" data/train.csv
	assert_eq "$(mlv log --json ./train.csv.mlv | jq '.versions | length')" 4
	assert_eq "$(mlv log --json -n 1 ../data/train.csv | jq -r '.versions[0].oid')" "$V3"
}

@test "log: a path never tracked, outside the work tree, outside git" {
	setup_history
	run --separate-stderr mlv log data/never.csv
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'data/never.csv' was never tracked in the history of HEAD (no commit has 'data/never.csv.mlv')"
	run --separate-stderr mlv log ../elsewhere
	assert_status 128
	[[ "$stderr" == "mlv: error: '../elsewhere' is outside the git work tree '"*"'" ]]
	mkdir ../plain && cd ../plain
	run --separate-stderr mlv log x.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: '$PWD' is not in a git work tree"
}

@test "log: a pointer in history that is not JSON, has an unknown kind or a bad id" {
	setup_history
	commit_pointer data/train.csv 'garbage' broken
	run --separate-stderr mlv log data/train.csv
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: pointer '$(git rev-parse --short=12 HEAD):data/train.csv.mlv' is not valid JSON (at byte 0)"
	commit_pointer data/train.csv '{"kind":"nope","oid":"sha256:'"$V1"'","size":1}' kind
	run --separate-stderr mlv log -n 1 data/train.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: pointer '$(git rev-parse --short=12 HEAD):data/train.csv.mlv' has an unknown kind \"nope\""
	commit_pointer data/train.csv '{"kind":"file","oid":"sha256:00","size":1}' badid
	run --separate-stderr mlv log -n 1 data/train.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: pointer '$(git rev-parse --short=12 HEAD):data/train.csv.mlv' has a bad \"oid\" (expected \"sha256:\" and 64 hex digits)"
}

@test "log: usage errors exit 129" {
	repo_init
	run --separate-stderr mlv log
	assert_status 129
	[[ "$stderr" == *"mlv log [--json] [-n <n>] <path>"* ]]
	run --separate-stderr mlv log a b
	assert_status 129
	run --separate-stderr mlv log -n -5 a
	assert_status 129
	assert_eq "$(head -1 <<<"$stderr")" "mlv: error: invalid -n value -5 (expected a count of versions)"
}
