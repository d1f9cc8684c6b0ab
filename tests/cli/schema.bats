#!/usr/bin/env bats
# mlv schema infer: the document byte for byte (pretty and --json), typing,
# nulls, ranges, allowed sets and --max-categories, the round trip through
# mlv validate, specs of tracked data, and every bad input of issue 6 with
# its message and exit code.

load helper
load plumbing

tiny() {
	printf 'age,city,score,id\n1,a,1.5,x1\n2,b,2.5,x2\n3,a,3,x3\n4,b,,x4\n5,a,4,x5\n6,c,5,x6\n7,a,6,x7\n' >ref.csv
}

@test "schema infer: the schema, one column a line" {
	tiny
	run --separate-stderr mlv schema infer ref.csv
	assert_status 0
	assert_eq "$output" '{
  "schema": "mlv.schema/1",
  "rows": 7,
  "columns": [
    {"name": "age", "type": "numerical", "nullable": false, "integer": true, "min": 1, "max": 7},
    {"name": "city", "type": "categorical", "nullable": false, "allowed": ["a", "b", "c"]},
    {"name": "score", "type": "numerical", "nullable": true, "integer": false, "min": 1.5, "max": 6},
    {"name": "id", "type": "categorical", "nullable": false, "allowed": ["x1", "x2", "x3", "x4", "x5", "x6", "x7"]}
  ]
}'
	assert_eq "$stderr" ""
}

@test "schema infer --json: the same document on one line" {
	tiny
	run --separate-stderr mlv schema infer --json ref.csv
	assert_status 0
	assert_eq "$output" '{"schema":"mlv.schema/1","rows":7,"columns":[{"name":"age","type":"numerical","nullable":false,"integer":true,"min":1,"max":7},{"name":"city","type":"categorical","nullable":false,"allowed":["a","b","c"]},{"name":"score","type":"numerical","nullable":true,"integer":false,"min":1.5,"max":6},{"name":"id","type":"categorical","nullable":false,"allowed":["x1","x2","x3","x4","x5","x6","x7"]}]}'
	assert_eq "$(mlv schema infer ref.csv | jq -cS .)" "$(jq -cS . <<<"$output")"
}

@test "schema infer: --max-categories, sorted by bytes, text among numbers, no values at all" {
	printf 'c,mixed,empty,big\nb,1,,0.1\nB,2,NA,1e300\na,x,,-2.5e-7\nb,3,null,123456789012345678\n\xc3\xa9,4,,1\n' >d.csv
	run --separate-stderr mlv schema infer --json --max-categories 3 d.csv
	assert_status 0
	assert_eq "$(jq -c '.columns[]' <<<"$output")" '{"name":"c","type":"categorical","nullable":false}
{"name":"mixed","type":"categorical","nullable":false}
{"name":"empty","type":"categorical","nullable":true}
{"name":"big","type":"numerical","nullable":false,"integer":false,"min":-2.5e-07,"max":1e+300}'
	run --separate-stderr mlv schema infer --json --max-categories 5 d.csv
	assert_eq "$(jq -c '[.columns[0].allowed, .columns[1].allowed]' <<<"$output")" '[["B","a","b","é"],["1","2","3","4","x"]]'
	run --separate-stderr mlv schema infer --json --max-categories 0 d.csv
	assert_eq "$(jq -c '[.columns[] | has("allowed")]' <<<"$output")" '[false,false,false,false]'
	# integers: the largest exact ones stay integers
	printf 'n\n9007199254740993\n-3\n2.0\n' >i.csv
	run --separate-stderr mlv schema infer --json i.csv
	assert_eq "$output" '{"schema":"mlv.schema/1","rows":3,"columns":[{"name":"n","type":"numerical","nullable":false,"integer":true,"min":-3,"max":9007199254740992}]}'
}

@test "schema infer: infinities and overflowing numbers are missing" {
	printf 'x\n1\ninf\n-Infinity\n1e999\n2\n' >d.csv
	run --separate-stderr mlv schema infer --json d.csv
	assert_eq "$output" '{"schema":"mlv.schema/1","rows":5,"columns":[{"name":"x","type":"numerical","nullable":true,"integer":true,"min":1,"max":2}]}'
}

@test "schema infer: TSV, --delimiter, JSON Lines and standard input" {
	printf 'a\tb\n1\tx\n2\ty\n' >d.tsv
	run --separate-stderr mlv schema infer --json d.tsv
	assert_eq "$(jq -c '[.rows, [.columns[].name]]' <<<"$output")" '[2,["a","b"]]'
	printf 'a;b\n1;x\n' >semi.txt
	run --separate-stderr mlv schema infer --json --delimiter ';' semi.txt
	assert_eq "$(jq -c '[.columns[].name]' <<<"$output")" '["a","b"]'
	printf '{"a":1,"b":"x"}\n{"a":2.5}\n' >d.jsonl
	run --separate-stderr mlv schema infer --json d.jsonl
	assert_eq "$output" '{"schema":"mlv.schema/1","rows":2,"columns":[{"name":"a","type":"numerical","nullable":false,"integer":false,"min":1,"max":2.5},{"name":"b","type":"categorical","nullable":true,"allowed":["x"]}]}'
	run --separate-stderr mlv schema infer --json - <d.tsv
	assert_status 0
	assert_eq "$(jq -c '.rows' <<<"$output")" 2
}

@test "schema infer then validate: the same data always passes" {
	tiny
	mlv schema infer ref.csv >schema.json
	run --separate-stderr mlv validate --schema schema.json ref.csv
	assert_status 0
	assert_eq "$output" "all 16 checks passed on 'ref.csv' (7 rows)"
	# awkward numbers and text survive the round trip exactly
	printf 'f,t\n0.1,"a,b"\n1e-300,"say ""hi"""\n-0,\xe2\x82\xac\n3.141592653589793,\\\\\n' >odd.csv
	mlv schema infer --json odd.csv >odd.json
	run --separate-stderr mlv validate --schema odd.json odd.csv
	assert_status 0
	# -0 is 0; text is sorted by bytes and escaped as JSON
	assert_eq "$(cat odd.json)" '{"schema":"mlv.schema/1","rows":4,"columns":[{"name":"f","type":"numerical","nullable":false,"integer":false,"min":0,"max":3.141592653589793},{"name":"t","type":"categorical","nullable":false,"allowed":["\\\\","a,b","say \"hi\"","€"]}]}'
}

@test "schema infer: a header-only file has 0 rows; an empty file is an error" {
	printf 'a,b\n' >h.csv
	run --separate-stderr mlv schema infer --json h.csv
	assert_status 0
	assert_eq "$output" '{"schema":"mlv.schema/1","rows":0,"columns":[{"name":"a","type":"categorical","nullable":false},{"name":"b","type":"categorical","nullable":false}]}'
	: >e.csv
	run --separate-stderr mlv schema infer e.csv
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: "*"e.csv"* ]]
}

@test "schema infer: ragged rows, unterminated quotes, invalid UTF-8, broken JSON lines, duplicate names" {
	printf 'a,b\n1,2\n3\n' >ragged.csv
	run --separate-stderr mlv schema infer ragged.csv
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: "*"line 3"* ]]
	printf 'a,b\n1,"open\n2,3\n' >quote.csv
	run --separate-stderr mlv schema infer quote.csv
	assert_status 128
	[[ "$stderr" == "mlv: error: "*"line 2"* ]]
	printf 'a,b\n1,caf\xe9\n' >latin1.csv
	run --separate-stderr mlv schema infer latin1.csv
	assert_status 128
	[[ "$stderr" == "mlv: error: "*"line 2"*"UTF-8"* ]]
	printf '{"a":1}\n{"a":\n' >broken.jsonl
	run --separate-stderr mlv schema infer broken.jsonl
	assert_status 128
	[[ "$stderr" == "mlv: error: "*"line 2"* ]]
	printf 'a,a\n1,2\n' >dup.csv
	run --separate-stderr mlv schema infer dup.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'dup.csv': the column name 'a' occurs twice"
	run --separate-stderr mlv schema infer nope.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot read 'nope.csv': no such file or directory"
	mkdir dir
	run --separate-stderr mlv schema infer dir
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot read 'dir': is a directory"
}

@test "schema: usage errors exit 129" {
	tiny
	run --separate-stderr mlv schema
	assert_status 129
	[[ "$stderr" == "usage: mlv schema infer "* ]]
	run --separate-stderr mlv schema guess ref.csv
	assert_status 129
	[[ "$stderr" == "mlv: error: unknown subcommand 'guess'"* ]]
	run --separate-stderr mlv schema infer
	assert_status 129
	run --separate-stderr mlv schema infer ref.csv ref.csv
	assert_status 129
	run --separate-stderr mlv schema infer --max-categories -1 ref.csv
	assert_status 129
	assert_eq "$stderr" "mlv: error: --max-categories: -1 is negative"
	run --separate-stderr mlv schema infer --max-categories many ref.csv
	assert_status 129
	run --separate-stderr mlv schema infer --delimiter ab ref.csv
	assert_status 129
	assert_eq "$stderr" "mlv: error: --delimiter: 'ab' is not one character"
	run mlv schema -h
	assert_status 129
	[[ "$output" == "usage: mlv schema infer [--json] [--max-categories <n>] [--delimiter <d>] <data>"* ]]
}

@test "schema infer: a tracked file, and one as of a git revision (path@rev)" {
	command -v git >/dev/null || skip "git is not installed"
	git init -q . && mlv init >/dev/null 2>&1
	printf 'a,b\n1,x\n2,y\n' >data.csv
	mlv track data.csv >/dev/null 2>&1 || skip "mlv track failed"
	git add data.csv.mlv .gitignore && git commit -qm v1 && git tag v1
	printf 'a,b\n1,x\n2,y\n3,z\n' >data.csv
	run --separate-stderr mlv schema infer --json data.csv@v1
	assert_status 0
	assert_eq "$output" '{"schema":"mlv.schema/1","rows":2,"columns":[{"name":"a","type":"numerical","nullable":false,"integer":true,"min":1,"max":2},{"name":"b","type":"categorical","nullable":false,"allowed":["x","y"]}]}'
	run --separate-stderr mlv schema infer --json data.csv
	assert_eq "$(jq -c .rows <<<"$output")" 3
	run --separate-stderr mlv schema infer data.csv@v9
	assert_status 128
	[[ "$stderr" == "mlv: error: cannot read 'data.csv@v9': "* ]]
}
