#!/usr/bin/env bats
# mlv lineage: model version -> run -> data (ids, paths) -> git commit, as
# text, JSON and Graphviz.

load helper
load modelproj

setup() {
	mlv_setup
	model_project
	train t1 data/train.csv data/extra.jsonl
	mlv register churn model.bin --run t1 -m first >/dev/null
	RUN=$(mlv runs --json | jq -r '.runs[0].id')
	COMMIT=$(git rev-parse HEAD)
}

teardown() {
	mlv_teardown
}

@test "lineage: the version, its run, the data it read and the commit, as text" {
	run mlv lineage churn@1
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${lines[0]}" = "model  churn@1  $(sha model.bin)  file, 11 bytes" ]
	[[ "${lines[1]}" == "run    $RUN  t1  started "*", exit 0" ]]
	[ "${lines[2]}" = "data   [1] data/train.csv  $(sha data/train.csv)  16 bytes  tracked" ]
	[ "${lines[3]}" = "       [2] data/extra.jsonl  $(sha data/extra.jsonl)  16 bytes  tracked" ]
	[ "${lines[4]}" = "git    $COMMIT" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "lineage: aliases and latest name the same version" {
	mlv promote churn@1 production >/dev/null
	diff <(mlv lineage churn@1) <(mlv lineage churn@production)
	diff <(mlv lineage churn@1) <(mlv lineage churn@latest)
}

@test "lineage --json: model, run, data with specs, git" {
	run mlv lineage --json churn@1
	[ "$status" -eq 0 ]
	j="$output"
	[ "$(jq -r .schema <<<"$j")" = mlv.lineage/1 ]
	[ "$(jq -r '.model.name + "@" + (.model.version|tostring)' <<<"$j")" = churn@1 ]
	[ "$(jq -r .model.artifact.oid <<<"$j")" = "sha256:$(sha model.bin)" ]
	[ "$(jq -r .model.record <<<"$j")" = "$(mlv resolve --json churn@1 | jq -r .record)" ]
	[ "$(mlv cat-object -p "$(jq -r .model.record <<<"$j" | cut -d: -f2)" | jq -r .schema)" = mlv.model-version/1 ]
	[ "$(jq -r .run.id <<<"$j")" = "$RUN" ]
	[ "$(jq -r .run.name <<<"$j")" = t1 ]
	[ "$(jq -r .run.status <<<"$j")" = 0 ]
	[ "$(jq -r '.run.command | join(" ")' <<<"$j")" = "mlv log-metric auc=0.91" ]
	[ "$(jq -r '.data | length' <<<"$j")" = 2 ]
	[ "$(jq -r '.data[1] | [.index, .path, .oid, .size, .tracked, .data_file, .spec] | map(tostring) | join(" ")' <<<"$j")" = \
		"2 data/extra.jsonl sha256:$(sha data/extra.jsonl) 16 true true churn@1:data/data/extra.jsonl" ]
	[ "$(jq -r .git.commit <<<"$j")" = "$COMMIT" ]
	[ "$(jq -r .git.dirty <<<"$j")" = false ]
}

@test "lineage --dot: a graph dot accepts, with the model, run, data and commit" {
	run mlv lineage --dot churn@1
	[ "$status" -eq 0 ]
	dotfile="$output"
	# every edge of the lineage, as dot itself reads them back
	edges=$(dot -Tcanon <<<"$dotfile" | grep -- '->' | sed 's/[[:space:]]*\[.*//; s/^[[:space:]]*//' | sort)
	[ "$edges" = "model -> run
run -> data1
run -> data2
run -> git" ]
	labels=$(dot -Tcanon <<<"$dotfile")
	[[ "$labels" == *"data/train.csv"* ]]
	[[ "$labels" == *"git $COMMIT"* ]]
	[[ "$labels" == *"run $RUN"* ]]
	dot -Tsvg <<<"$dotfile" >/dev/null
}

@test "lineage --dot: quotes and backslashes in names are escaped" {
	mkdir 'we"ird\dir'
	printf 'a\n1\n' > 'we"ird\dir/x.csv'
	train 'say "hi"' 'we"ird\dir/x.csv'
	mlv register churn model.bin --run "$(mlv runs --json | jq -r '.runs[] | select(.name == "say \"hi\"") | .id')" >/dev/null
	run mlv lineage --dot churn@2
	[ "$status" -eq 0 ]
	dot -Tcanon <<<"$output" >/dev/null
	[[ "$(dot -Tcanon <<<"$output")" == *'we\"ird\\dir/x.csv'* ]]
}

@test "lineage: a version registered without --run has only the model" {
	mlv register churn model.bin --metric auc=0.5 >/dev/null
	run mlv lineage churn@2
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "run    none (registered without --run)" ]
	[ "${#lines[@]}" -eq 2 ]
	run mlv lineage --json churn@2
	[ "$(jq -c '[.run, .data, .git]' <<<"$output")" = '[null,[],null]' ]
	run mlv lineage --dot churn@2
	[ "$(dot -Tcanon <<<"$output" | grep -c -- '->' || true)" = 0 ]
}

@test "lineage: an untracked input and a dirty tree are shown as such" {
	echo change >> notes.txt
	train t2 notes.txt
	mlv register churn model.bin --run t2 >/dev/null
	run mlv lineage churn@2
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "data   [1] notes.txt  $(sha notes.txt)  15 bytes  untracked" ]
	[ "${lines[3]}" = "git    $COMMIT (dirty)" ]
}

@test "lineage: unknown model, version and unheld alias are errors (128)" {
	run mlv lineage nope@1
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: no model 'nope'" ]
	run mlv lineage churn@7
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: model 'churn' has no version 7" ]
	run mlv lineage churn@production
	[ "$status" -eq 128 ]
	[[ "$output" == "mlv: error: "*production* ]]
}

@test "lineage: usage errors (129)" {
	run mlv lineage
	[ "$status" -eq 129 ]
	run mlv lineage churn@1 churn@1
	[ "$status" -eq 129 ]
	run mlv lineage --json --dot churn@1
	[ "$status" -eq 129 ]
	[ "${lines[0]}" = "mlv: error: --json and --dot cannot be used together" ]
	run mlv lineage -h
	[ "$status" -eq 129 ]
	[ "${lines[0]}" = "usage: mlv lineage [--json | --dot] <name>@<version|alias|latest>" ]
}
