#!/usr/bin/env bats
# mlv diff: what changed in tracked data between revisions, or between a
# revision and the pointer files of the work tree.

load helper
load plumbing
load gitdata

# v1: train.csv (1 row), old.bin. v2: train.csv (2 rows, one with a quoted
# newline), imgs/ (a directory), old.bin deleted.
setup_history() {
	repo_init
	put data/train.csv 'a,b\n1,2\n'
	T1=$(sha data/train.csv)
	put old.bin 'old data'
	OLD=$(sha old.bin)
	commit v1
	git tag v1
	put data/train.csv 'a,b\n1,2\n3,"x\ny"\n'
	T2=$(sha data/train.csv)
	mkdir imgs
	printf a >imgs/a.png
	printf b >imgs/b.png
	mlv track imgs >/dev/null
	IMGS2=$(mlv rev-parse imgs)
	mlv untrack old.bin >/dev/null
	rm -f old.bin
	commit v2
	git tag v2
}

@test "diff: nothing changed prints nothing and exits 0, also with --exit-code" {
	setup_history
	run --separate-stderr mlv diff
	assert_status 0
	assert_eq "$output$stderr" ""
	run --separate-stderr mlv diff --exit-code
	assert_status 0
	assert_eq "$output$stderr" ""
}

@test "diff <rev> <rev>: added, deleted, modified with sizes, ids and CSV rows" {
	setup_history
	run --separate-stderr mlv diff v1 v2
	assert_status 0
	assert_eq "$stderr" ""
	assert_eq "$output" "modified  data/train.csv  8 -> 16 bytes, 1 -> 2 rows  (sha256:${T1:0:12} -> sha256:${T2:0:12})
added     imgs/  2 files, 2 bytes  (sha256:${IMGS2:0:12})
    added     imgs/a.png  1 bytes
    added     imgs/b.png  1 bytes
deleted   old.bin  8 bytes  (sha256:${OLD:0:12})"
	# the other way round, the directory's files are deleted
	run --separate-stderr mlv diff v2 v1
	assert_status 0
	assert_eq "$output" "modified  data/train.csv  16 -> 8 bytes, 2 -> 1 rows  (sha256:${T2:0:12} -> sha256:${T1:0:12})
deleted   imgs/  2 files, 2 bytes  (sha256:${IMGS2:0:12})
    deleted   imgs/a.png  1 bytes
    deleted   imgs/b.png  1 bytes
added     old.bin  8 bytes  (sha256:${OLD:0:12})"
	run --separate-stderr mlv diff --exit-code v1 v2
	assert_status 1
	run --separate-stderr mlv diff --exit-code v2 HEAD
	assert_status 0
	assert_eq "$output" ""
}

@test "diff --json: the schema, both sides, and each change" {
	setup_history
	run --separate-stderr mlv diff --json v1 v2
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" mlv.diff/1
	assert_eq "$(jq -c .old <<<"$output")" "{\"rev\":\"v1\",\"commit\":\"$(git rev-parse v1)\",\"worktree\":false}"
	assert_eq "$(jq -c .new <<<"$output")" "{\"rev\":\"v2\",\"commit\":\"$(git rev-parse v2)\",\"worktree\":false}"
	assert_eq "$(jq -c '.changes[0]' <<<"$output")" "{\"path\":\"data/train.csv\",\"status\":\"modified\",\"old\":{\"kind\":\"file\",\"oid\":\"$T1\",\"size\":8,\"rows\":1},\"new\":{\"kind\":\"file\",\"oid\":\"$T2\",\"size\":16,\"rows\":2}}"
	assert_eq "$(jq -c '.changes[1]' <<<"$output")" "{\"path\":\"imgs\",\"status\":\"added\",\"old\":null,\"new\":{\"kind\":\"dir\",\"oid\":\"$IMGS2\",\"size\":2,\"files\":2},\"files\":[{\"path\":\"imgs/a.png\",\"status\":\"added\",\"old\":null,\"new\":{\"oid\":\"$(printf a | sha256sum | cut -d' ' -f1)\",\"size\":1,\"mode\":\"100644\"}},{\"path\":\"imgs/b.png\",\"status\":\"added\",\"old\":null,\"new\":{\"oid\":\"$(printf b | sha256sum | cut -d' ' -f1)\",\"size\":1,\"mode\":\"100644\"}}]}"
	assert_eq "$(jq -c '.changes[2]' <<<"$output")" "{\"path\":\"old.bin\",\"status\":\"deleted\",\"old\":{\"kind\":\"file\",\"oid\":\"$OLD\",\"size\":8},\"new\":null}"
	assert_eq "$(jq '.changes | length' <<<"$output")" 3
}

@test "diff: HEAD against the work tree's pointers, the files inside a directory" {
	setup_history
	put data/train.csv 'a,b\n'
	T3=$(sha data/train.csv)
	printf 'B' >imgs/b.png
	printf 'c' >imgs/c.png
	rm imgs/a.png
	mlv track imgs >/dev/null
	run --separate-stderr mlv diff
	assert_status 0
	assert_eq "$output" "modified  data/train.csv  16 -> 4 bytes, 2 -> 0 rows  (sha256:${T2:0:12} -> sha256:${T3:0:12})
modified  imgs/  2 -> 2 files, 2 -> 2 bytes  (sha256:${IMGS2:0:12} -> sha256:$(mlv rev-parse imgs | cut -c1-12))
    deleted   imgs/a.png  1 bytes
    modified  imgs/b.png  1 -> 1 bytes
    added     imgs/c.png  1 bytes"
	run --separate-stderr mlv diff --json
	assert_eq "$(jq -c .new <<<"$output")" '{"rev":null,"commit":null,"worktree":true}'
	assert_eq "$(jq -c '[.changes[1].files[] | [.path, .status]]' <<<"$output")" '[["imgs/a.png","deleted"],["imgs/b.png","modified"],["imgs/c.png","added"]]'
	assert_eq "$(jq -r '.changes[1].files[1].new.oid' <<<"$output")" "$(sha imgs/b.png)"
	# One revision: that revision against the work tree.
	run --separate-stderr mlv diff --exit-code v1
	assert_status 1
	[[ "$output" == "modified  data/train.csv  8 -> 4 bytes, 1 -> 0 rows"* ]]
}

@test "diff -- <path>: only those paths, relative to the current directory" {
	setup_history
	run --separate-stderr mlv diff v1 v2 -- data
	assert_status 0
	assert_eq "$output" "modified  data/train.csv  8 -> 16 bytes, 1 -> 2 rows  (sha256:${T1:0:12} -> sha256:${T2:0:12})"
	cd data
	run --separate-stderr mlv diff --json v1 v2 -- ../old.bin.mlv ../imgs
	assert_status 0
	assert_eq "$(jq -c '[.changes[].path]' <<<"$output")" '["imgs","old.bin"]'
	run --separate-stderr mlv diff --exit-code v1 v2 -- ../nothing-here
	assert_status 0
	assert_eq "$output" ""
}

@test "diff: a directory whose tree is not in the store is reported, not fatal" {
	setup_history
	missing=$(printf 'no such tree' | sha256sum | cut -d' ' -f1)
	printf '{"files":5,"kind":"dir","oid":"sha256:%s","size":50}\n' "$missing" >imgs.mlv
	run --separate-stderr mlv diff --json
	assert_status 0
	assert_eq "$(jq -c '.changes[0].files' <<<"$output")" null
	assert_eq "$(jq -r '.changes[0].files_error' <<<"$output")" "tree $missing of 'imgs' is not in the store"
	run --separate-stderr mlv diff
	assert_status 0
	[[ "$output" == *"
    (tree $missing of 'imgs' is not in the store: the files inside are not compared)" ]]
}

@test "diff: TSV rows; without a store only the pointers are compared" {
	repo_init
	put t.tsv 'a\tb\n1\t2\n'
	commit one
	put t.tsv 'a\tb\n1\t2\n3\t4\n5\t6\n'
	run --separate-stderr mlv diff --json
	assert_eq "$(jq -c '[.changes[0].old.rows, .changes[0].new.rows]' <<<"$output")" '[1,3]'
	rm -rf .mlv
	run --separate-stderr mlv diff --json
	assert_status 0
	assert_eq "$stderr" ""
	assert_eq "$(jq -c '[.changes[0].status, .changes[0].old.rows, .changes[0].new.rows]' <<<"$output")" '["modified",null,null]'
}

@test "diff: a repository with no commit yet: every pointer is added" {
	repo_init
	put x.csv 'h\n1\n'
	run --separate-stderr mlv diff --json
	assert_status 0
	assert_eq "$(jq -c '[.old.commit, .changes[0].path, .changes[0].status, .changes[0].new.rows]' <<<"$output")" '[null,"x.csv","added",1]'
}

@test "diff: a revision that does not exist" {
	setup_history
	run --separate-stderr mlv diff v9
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: unknown revision 'v9'"
	run --separate-stderr mlv diff v1 nope --json
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: unknown revision 'nope'"
}

@test "diff: a pointer at a revision that is not JSON, has an unknown kind or a bad id" {
	setup_history
	commit_pointer data/train.csv 'not json' broken
	run --separate-stderr mlv diff HEAD~1 HEAD
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: pointer 'HEAD:data/train.csv.mlv' is not valid JSON (at byte 0)"
	commit_pointer data/train.csv '{"kind":"pipe","oid":"sha256:'"$T1"'","size":8}' kind
	run --separate-stderr mlv diff HEAD~1 HEAD
	assert_status 128
	assert_eq "$stderr" "mlv: error: pointer 'HEAD~1:data/train.csv.mlv' is not valid JSON (at byte 0)"
	run --separate-stderr mlv diff v2 HEAD
	assert_status 128
	assert_eq "$stderr" "mlv: error: pointer 'HEAD:data/train.csv.mlv' has an unknown kind \"pipe\""
	commit_pointer data/train.csv '{"kind":"file","oid":"sha256:xyz","size":8}' badid
	run --separate-stderr mlv diff v2 HEAD
	assert_status 128
	assert_eq "$stderr" "mlv: error: pointer 'HEAD:data/train.csv.mlv' has a bad \"oid\" (expected \"sha256:\" and 64 hex digits)"
	# Paths that do not touch the bad pointer still compare.
	run --separate-stderr mlv diff v1 HEAD -- old.bin
	assert_status 0
	[[ "$output" == "deleted   old.bin  8 bytes"* ]]
}

@test "diff: outside a git repository; usage errors" {
	run --separate-stderr mlv diff
	assert_status 128
	assert_eq "$stderr" "mlv: error: '$PWD' is not in a git work tree"
	repo_init
	run --separate-stderr mlv diff a b c
	assert_status 129
	[[ "$stderr" == *"mlv diff [--json] [--exit-code] [<rev> [<rev>]] [-- <path>...]"* ]]
	run --separate-stderr mlv diff --bogus
	assert_status 129
}
