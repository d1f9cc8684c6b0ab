#!/usr/bin/env bats
# mlv register: files and directories as versions 1, 2, 3...; the version
# record (identity, message, tags, params, metrics, lineage from a run);
# bad names, paths, runs and values leave everything as it was.

load helper
load plumbing
load registry

setup() {
	mlv_setup
	export MLV_RUN_NO_PYTHON=1
	reg_init
}

teardown() {
	mlv_teardown
}

record() {
	mlv cat-object json "$(mlv resolve --json "$1" | jq -r .record)"
}

@test "register: a file becomes version 1, then 2; resolve names its bytes" {
	printf 'weights v1\n' > model.bin
	run --separate-stderr mlv register churn model.bin
	assert_status 0
	assert_eq "$output" "churn@1"
	assert_eq "$stderr" ""
	printf 'weights v2\n' > model.bin
	run mlv register churn model.bin -m "retrained"
	assert_eq "$output" "churn@2"
	assert_eq "$(mlv resolve churn@1)" "churn@1 $(printf 'weights v1\n' | sha256sum | cut -d' ' -f1)"
	assert_eq "$(mlv resolve churn@latest)" "churn@2 $(sha model.bin)"
	assert_eq "$(mlv cat-object -p churn@1)" "weights v1"
	# the user's file is untouched
	assert_eq "$(cat model.bin)" "weights v2"
	assert_fsck_clean
}

@test "register: the version record holds who, when, message, tags, params and metrics" {
	printf 'w\n' > model.bin
	mlv register churn model.bin -m "first try" --tag owner=ml-team --param depth=6 \
		--metric auc=0.91 --metric loss=nan >/dev/null
	run record churn@1
	assert_eq "$(jq -r .schema <<<"$output")" "mlv.model-version/1"
	assert_eq "$(jq -r '.name + "@" + (.version|tostring)' <<<"$output")" "churn@1"
	assert_eq "$(jq -c .identity <<<"$output")" '{"email":"author@example.com","name":"A U Thor"}'
	assert_eq "$(jq -r .message <<<"$output")" "first try"
	assert_eq "$(jq -c .tags <<<"$output")" '{"owner":"ml-team"}'
	assert_eq "$(jq -c .params <<<"$output")" '{"depth":"6"}'
	assert_eq "$(jq -c .metrics <<<"$output")" '{"auc":0.91,"loss":"nan"}'
	assert_eq "$(jq -c .artifact <<<"$output")" "{\"kind\":\"file\",\"oid\":\"sha256:$(sha model.bin)\",\"size\":2}"
	[[ "$(jq -r .created <<<"$output")" =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]{8}\.[0-9]{3}Z$ ]]
	# stored canonical: keys sorted, no white space
	assert_eq "$output" "$(jq -cS . <<<"$output")"
}

@test "register --json: name, version, oid, size, kind, record" {
	printf 'abc' > model.bin
	run --separate-stderr mlv register churn model.bin --json
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" "mlv.register/1"
	assert_eq "$(jq -r '[.name, .version, .oid, .size, .kind] | map(tostring) | join(" ")' <<<"$output")" \
		"churn 1 sha256:$(sha model.bin) 3 file"
	assert_eq "$(mlv cat-object -t "$(jq -r .record <<<"$output")")" "json"
}

@test "register: a directory is stored as a tree and comes back whole" {
	mkdir -p m/sub
	printf 'a\n' > m/a.txt
	printf 'b\n' > m/sub/b.txt
	run mlv register vision m --json
	assert_status 0
	assert_eq "$(jq -r '.kind + " " + (.size|tostring)' <<<"$output")" "dir 4"
	assert_eq "$(record vision@1 | jq -c '.artifact | {kind, files, size}')" '{"kind":"dir","files":2,"size":4}'
	mlv get vision@1 -o out >/dev/null
	diff -r m out
}

@test "register --run: the run's params, latest metrics, data and commit are the lineage; --metric overrides" {
	printf 'a,b\n1,2\n' > train.csv
	mlv track train.csv >/dev/null
	git add train.csv.mlv .gitignore && git commit -q -m data
	MLV_TEST_RUN_ID=aaaa0000000000000000000000000001 mlv run -n base -p lr=0.1 --dep train.csv -- \
		sh -c 'mlv log-metric auc=0.8; mlv log-metric auc=0.85 f1=0.7' 2>/dev/null
	printf 'w\n' > model.bin
	mlv register churn model.bin --run base --metric f1=0.75 --param extra=1 >/dev/null
	run record churn@1
	assert_eq "$(jq -c .metrics <<<"$output")" '{"auc":0.85,"f1":0.75}'
	assert_eq "$(jq -c .params <<<"$output")" '{"extra":"1","lr":"0.1"}'
	assert_eq "$(jq -r '.run.id + " " + .run.name' <<<"$output")" "aaaa0000000000000000000000000001 base"
	assert_eq "$(jq -r .run.record <<<"$output")" "sha256:$(mlv show --json base | jq -r .record | sed 's/^sha256://')"
	assert_eq "$(jq -r .git.commit <<<"$output")" "$(git rev-parse HEAD)"
	assert_eq "$(jq -c '.deps[] | {path, oid}' <<<"$output")" "{\"path\":\"train.csv\",\"oid\":\"sha256:$(sha train.csv)\"}"
}

@test "register: the identity comes from git user.name/user.email, else the OS user" {
	unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
	git config user.name "Repo User"
	git config user.email "repo@example.com"
	reg_model churn one
	assert_eq "$(record churn@1 | jq -c .identity)" '{"email":"repo@example.com","name":"Repo User"}'
	# outside a git work tree: the user's global configuration
	mkdir ../solo && cd ../solo && store_init
	git config --global user.name "Global User"
	git config --global user.email "global@example.com"
	reg_model solo one
	assert_eq "$(record solo@1 | jq -c .identity)" '{"email":"global@example.com","name":"Global User"}'
	# no configuration at all: the OS user at this host
	rm "$HOME/.gitconfig"
	reg_model solo two
	assert_eq "$(record solo@2 | jq -r .identity.name)" "$(id -un)"
	assert_eq "$(record solo@2 | jq -r .identity.email)" "$(id -un)@$(hostname)"
}

@test "register: bad input is refused with exit 128 and nothing changes" {
	reg_model churn one
	printf 'new\n' > model.bin
	before=$(reg_snapshot)
	run --separate-stderr mlv register Churn model.bin
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid model name 'Churn': use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
	assert_eq "$output" ""
	run --separate-stderr mlv register a/b model.bin
	assert_status 128
	run --separate-stderr mlv register churn missing.bin
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot read 'missing.bin': no such file or directory"
	run --separate-stderr mlv register churn model.bin --run nosuchrun
	assert_status 128
	assert_eq "$stderr" "mlv: error: no run 'nosuchrun' (neither a run id nor a run name)"
	run --separate-stderr mlv register churn model.bin --metric auc=high
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid metric 'auc=high': the value is not a number"
	run --separate-stderr mlv register churn model.bin --tag novalue
	assert_status 128
	assert_eq "$stderr" "mlv: error: invalid tag 'novalue': expected <key>=<value>"
	run --separate-stderr mlv register churn
	assert_status 129
	assert_eq "$(reg_snapshot)" "$before"
	assert_eq "$(mlv resolve churn@latest)" "churn@1 $(printf 'one\n' | sha256sum | cut -d' ' -f1)"
	assert_fsck_clean
}

@test "register: gc keeps every version's artifact, record and events" {
	reg_model churn one
	reg_model churn two
	mlv promote churn@1 prod >/dev/null
	run mlv gc --prune=now
	assert_status 0
	assert_eq "$(mlv cat-object -p churn@1)" "one"
	assert_eq "$(mlv cat-object -p churn@2)" "two"
	assert_eq "$(mlv history churn --json | jq '.events | length')" "3"
	assert_fsck_clean
}

@test "register: killed at any write, fsync, rename or commit, the version is either whole or absent" {
	reg_model churn one
	printf 'two\n' > model.bin
	MLV_FAULT_LOG="$BATS_TEST_TMPDIR/points" mlv register churn model.bin >/dev/null
	npoints=$(wc -l < "$BATS_TEST_TMPDIR/points")
	rm -rf .mlv && store_init && reg_model churn one
	printf 'two\n' > model.bin
	cp -a .mlv "$BATS_TEST_TMPDIR/pristine"
	for n in $(seq 1 "$npoints"); do
		rm -rf .mlv && cp -a "$BATS_TEST_TMPDIR/pristine" .mlv
		MLV_FAULT_AT=$n run mlv register churn model.bin
		[ "$status" -ne 0 ]
		latest=$(mlv resolve churn@latest | cut -d' ' -f1)
		case $latest in
		churn@1) assert_eq "$(mlv history churn --json | jq '.events | length')" "1" ;;
		churn@2) assert_eq "$(mlv cat-object -p churn@2)" "two" ;;
		*) echo "after a kill at point $n: $latest" >&2; return 1 ;;
		esac
		run mlv fsck --json
		assert_eq "$(jq -r '[.problems[].kind | select(. != "unindexed-pack")] | length' <<<"$output")" "0" "fsck after a kill at point $n"
		assert_eq "$(cat model.bin)" "two"
	done
}
