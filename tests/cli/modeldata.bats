#!/usr/bin/env bats
# NAME@REF:data, NAME@REF:data[N], NAME@REF:data/<path>: the data a model
# version was trained on, as drift, schema and validate read it.

load helper
load modelproj

setup() {
	mlv_setup
	model_project
	# version 1: one CSV input (and a non-data input); version 2: two data inputs
	printf 'x = 1\n' > train.py
	train t1 data/train.csv train.py
	mlv register churn model.bin --run t1 >/dev/null
	train t2 data/train.csv data/extra.jsonl
	mlv register churn model.bin --run t2 >/dev/null
	mlv promote churn@1 production >/dev/null
	printf 'a,b\n1,x\n2,y\n9,z\n' > cur.csv
}

teardown() {
	mlv_teardown
}

@test "drift NAME@ALIAS:data reads the one CSV the version was trained on" {
	run mlv drift --json data/train.csv cur.csv
	[ "$status" -eq 1 ]
	expected="$output"
	run mlv drift --json churn@production:data cur.csv
	[ "$status" -eq 1 ]
	[ "$output" = "$expected" ]
	run mlv drift churn@production:data churn@1:data
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "dataset drift: no" ]
}

@test ":data with several data inputs is an error listing them (128)" {
	run mlv drift churn@2:data cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'churn@2:data': churn@2 has 2 data inputs; name one: churn@2:data[1] (data/train.csv), churn@2:data[2] (data/extra.jsonl)" ]
}

@test ":data[N] and :data/<path> pick one input; the recorded name gives the format" {
	run mlv schema infer --json churn@2:data[2]
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.rows, [.columns[].name]]' <<<"$output")" = '[2,["a"]]' ]
	diff <(mlv schema infer --json churn@2:data[2]) <(mlv schema infer --json churn@latest:data/data/extra.jsonl)
	diff <(mlv schema infer --json churn@2:data[1]) <(mlv schema infer --json data/train.csv)
	# a one-column TSV whose values hold commas only reads right as TSV
	printf 'name\nsmith, john\n' > people.tsv
	mlv track people.tsv >/dev/null
	train t3 people.tsv
	mlv register people model.bin --run t3 >/dev/null
	run mlv schema infer --json people@1:data
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.rows, [.columns[].name]]' <<<"$output")" = '[1,["name"]]' ]
}

@test ":data[N] out of range or not a number, :data/<path> unknown: errors (128)" {
	run mlv drift churn@2:data[3] cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'churn@2:data[3]': churn@2 has 2 data inputs; there is no data[3]" ]
	run mlv drift churn@2:data[0] cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'churn@2:data[0]': churn@2 has 2 data inputs; there is no data[0]" ]
	run mlv drift 'churn@2:data[x]' cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'churn@2:data[x]': '[x]' is not an index: write :data[N] with N from 1" ]
	run mlv drift churn@2:data/nope.csv cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'churn@2:data/nope.csv': churn@2 has no data input 'nope.csv'; its inputs: churn@2:data[1] (data/train.csv), churn@2:data[2] (data/extra.jsonl)" ]
}

@test ":data with no CSV/TSV/JSON Lines input lists every input (128)" {
	train t4 train.py
	mlv register code model.bin --run t4 >/dev/null
	run mlv drift code@1:data cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'code@1:data': code@1 has no CSV, TSV or JSON Lines input; name one of its inputs: code@1:data[1] (train.py)" ]
}

@test "an input whose bytes are not in the store is an error saying why (128)" {
	run mlv drift churn@1:data/train.py cur.csv
	[ "$status" -eq 128 ]
	[[ "$output" == "mlv: error: cannot read 'churn@1:data/train.py': the bytes of train.py (sha256:$(sha train.py | cut -c1-12)...) that trained churn@1 are not in the store (it was not tracked when the run read it)" ]]
}

@test "a version without a run, an unknown model or version, an unheld alias: errors (128)" {
	mlv register bare model.bin >/dev/null
	run mlv drift bare@1:data cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'bare@1:data': bare@1 has no recorded data inputs (it was registered without --run)" ]
	run mlv drift nope@production:data cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'nope@production:data': no model 'nope'" ]
	run mlv drift churn@9:data cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'churn@9:data': model 'churn' has no version 9" ]
	run mlv drift churn@staging:data cur.csv
	[ "$status" -eq 128 ]
	[[ "$output" == "mlv: error: cannot read 'churn@staging:data': "*staging* ]]
	# reading is all these do: the store is intact
	mlv fsck >/dev/null 2>&1
}

@test ":data/<dir>/<file> reads a file inside a directory input" {
	mkdir images
	printf 'id,label\n1,cat\n2,dog\n' > images/labels.csv
	echo bytes > images/a.bin
	mlv track images >/dev/null
	train t5 images
	mlv register vision model.bin --run t5 >/dev/null
	run mlv schema infer --json vision@1:data/images/labels.csv
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.rows, [.columns[].name]]' <<<"$output")" = '[2,["id","label"]]' ]
	run mlv drift vision@1:data/images cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'vision@1:data/images': images is a directory; name a file in it: vision@1:data/images/<file>" ]
	run mlv drift vision@1:data/images/nope.csv cur.csv
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: cannot read 'vision@1:data/images/nope.csv': no file 'nope.csv' in the recorded directory" ]
	run mlv drift vision@1:data cur.csv
	[ "$status" -eq 128 ]
	[[ "$output" == *"vision@1 has no CSV, TSV or JSON Lines input; name one of its inputs: vision@1:data[1] (images)" ]]
}

@test "validate reads model data too" {
	mlv schema infer churn@production:data > schema.json
	run mlv validate churn@production:data --schema schema.json
	[ "$status" -eq 0 ]
}
