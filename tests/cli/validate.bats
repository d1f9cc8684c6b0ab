#!/usr/bin/env bats
# mlv validate: every check failing and passing, with counts and examples,
# the report byte for byte and the JSON document, exit codes 0/1/128/129,
# every bad schema and bad data file of issue 6 with its message, specs of
# tracked data.

load helper
load plumbing

# people.csv: 8 rows; the schema below fails on several columns at once.
people() {
	printf 'id,age,city,email,score\n' >people.csv
	printf '1,34,paris,ann@example.com,0.5\n' >>people.csv
	printf '2,-1,lyon,bob@example.com,0.7\n' >>people.csv
	printf '3,27.5,rome,,NA\n' >>people.csv
	printf '2,41,paris,not-an-email,0.9\n' >>people.csv
	printf '5,abc,nice,eve@example.com,1.5\n' >>people.csv
	printf '6,130,lyon,dan@example.com,\n' >>people.csv
	printf '7,50,paris,NA,0.1\n' >>people.csv
	printf '8,60,lyon,joe@example.com,0.2\n' >>people.csv
	cat >people.json <<-'EOF'
	{"schema": "mlv.schema/1",
	 "rows": {"min": 10},
	 "columns": [
	  {"name": "id", "type": "numerical", "unique": true, "integer": true},
	  {"name": "age", "type": "numerical", "nullable": false, "integer": true, "min": 0, "max": 120},
	  {"name": "city", "type": "categorical", "allowed": ["lyon", "nice", "paris"]},
	  {"name": "email", "regex": "[^@ ]+@[^@ ]+\\.[a-z]+"},
	  {"name": "score", "type": "numerical", "mostly": 0.9, "max": 1},
	  {"name": "phone"}
	 ]}
	EOF
}

@test "validate: every failing check, its count and examples, exit 1" {
	people
	run --separate-stderr mlv validate --schema people.json people.csv
	assert_status 1
	assert_eq "$output" 'FAIL  id: unique: 1 of 8 rows
      line 5: "2"
FAIL  age: type numerical: 1 of 8 rows
      line 6: "abc"
FAIL  age: integer: 1 of 8 rows
      line 4: "27.5"
FAIL  age: min 0: 1 of 8 rows
      line 3: "-1"
FAIL  age: max 120: 1 of 8 rows
      line 7: "130"
FAIL  city: allowed (3 values): 1 of 8 rows
      line 4: "rome"
FAIL  email: regex '"'"'[^@ ]+@[^@ ]+\.[a-z]+'"'"': 3 of 8 rows
      line 4: ""
      line 5: "not-an-email"
      line 8: "NA"
FAIL  score: nullable mostly 0.9: 2 of 8 rows
      line 4: "NA"
      line 7: ""
FAIL  score: max 1: 1 of 8 rows
      line 6: "1.5"
FAIL  phone: present: not in the data
FAIL  rows: 8, expected at least 10
11 of 20 checks failed on '"'"'people.csv'"'"' (8 rows)'
	assert_eq "$stderr" ""
}

@test "validate --json: the whole document, passing checks included" {
	people
	run --separate-stderr mlv validate --json --schema people.json people.csv
	assert_status 1
	assert_eq "$output" '{"schema":"mlv.validate/1","ok":false,"rows":8,"checks":[{"column":"id","check":"present","ok":true,"failed_rows":0,"examples":[]},{"column":"id","check":"type","ok":true,"failed_rows":0,"examples":[]},{"column":"id","check":"integer","ok":true,"failed_rows":0,"examples":[]},{"column":"id","check":"unique","ok":false,"failed_rows":1,"examples":[{"line":5,"value":"2"}]},{"column":"age","check":"present","ok":true,"failed_rows":0,"examples":[]},{"column":"age","check":"type","ok":false,"failed_rows":1,"examples":[{"line":6,"value":"abc"}]},{"column":"age","check":"nullable","ok":true,"failed_rows":0,"examples":[]},{"column":"age","check":"integer","ok":false,"failed_rows":1,"examples":[{"line":4,"value":"27.5"}]},{"column":"age","check":"min","ok":false,"failed_rows":1,"examples":[{"line":3,"value":"-1"}]},{"column":"age","check":"max","ok":false,"failed_rows":1,"examples":[{"line":7,"value":"130"}]},{"column":"city","check":"present","ok":true,"failed_rows":0,"examples":[]},{"column":"city","check":"allowed","ok":false,"failed_rows":1,"examples":[{"line":4,"value":"rome"}]},{"column":"email","check":"present","ok":true,"failed_rows":0,"examples":[]},{"column":"email","check":"regex","ok":false,"failed_rows":3,"examples":[{"line":4,"value":""},{"line":5,"value":"not-an-email"},{"line":8,"value":"NA"}]},{"column":"score","check":"present","ok":true,"failed_rows":0,"examples":[]},{"column":"score","check":"type","ok":true,"failed_rows":0,"examples":[]},{"column":"score","check":"nullable","ok":false,"failed_rows":2,"examples":[{"line":4,"value":"NA"},{"line":7,"value":""}]},{"column":"score","check":"max","ok":false,"failed_rows":1,"examples":[{"line":6,"value":"1.5"}]},{"column":"phone","check":"present","ok":false,"failed_rows":0,"examples":[]},{"column":null,"check":"rows","ok":false,"failed_rows":0,"examples":[]}]}'
	assert_eq "$stderr" ""
}

@test "validate: the same checks pass on good data, exit 0" {
	people
	printf 'id,age,city,email,score,phone\n1,34,paris,a@b.fr,0.5,\n2,0,lyon,c@d.com,1,1\n' >good.csv
	for i in $(seq 3 10); do printf '%d,120,nice,x@y.org,0.25,\n' "$i" >>good.csv; done
	run --separate-stderr mlv validate --schema people.json good.csv
	assert_status 0
	assert_eq "$output" "all 20 checks passed on 'good.csv' (10 rows)"
	run --separate-stderr mlv validate --json --schema people.json good.csv
	assert_status 0
	assert_eq "$(jq -c '[.ok, .rows, ([.checks[] | select(.ok | not)] | length)]' <<<"$output")" '[true,10,0]'
}

@test "validate: at most 5 examples, the count is every failing row" {
	{ echo v; for i in $(seq 1 12); do echo "bad$i"; done; echo 7; } >d.csv
	echo '{"columns":[{"name":"v","type":"numerical"}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.csv
	assert_status 1
	assert_eq "$(jq -c '.checks[1] | [.check, .failed_rows, [.examples[] | .line]]' <<<"$output")" '["type",12,[2,3,4,5,6]]'
	# a long value is cut at a character boundary and says so
	long=$(printf 'é%.0s' $(seq 1 100))
	printf 'v\n%s\n' "$long" >long.csv
	run --separate-stderr mlv validate --json --schema s.json long.csv
	assert_eq "$(jq -c '.checks[1].examples[0] | [(.value | length), .cut]' <<<"$output")" '[60,true]'
	run --separate-stderr mlv validate --schema s.json long.csv
	[[ "$output" == *'éé" (cut)'* ]]
}

@test "validate: nullable false, mostly, and missing values under the other checks" {
	# (a second column: a blank line would be skipped, as pandas skips it)
	printf 'a,k\n1,k\n,k\n3,k\nNA,k\n5,k\n' >d.csv
	echo '{"additional_columns":true,"columns":[{"name":"a","nullable":false}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.csv
	assert_status 1
	assert_eq "$(jq -c '.checks[1]' <<<"$output")" '{"column":"a","check":"nullable","ok":false,"failed_rows":2,"examples":[{"line":3,"value":""},{"line":5,"value":"NA"}]}'
	# 3 of 5 present: passes at 0.6, fails above
	echo '{"additional_columns":true,"columns":[{"name":"a","mostly":0.6}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.csv
	assert_status 0
	assert_eq "$(jq -c '.checks[1] | [.ok, .failed_rows]' <<<"$output")" '[true,2]'
	echo '{"additional_columns":true,"columns":[{"name":"a","mostly":0.61}]}' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_status 1
	# missing values pass type, ranges, allowed and unique (nullable decides)
	echo '{"additional_columns":true,"columns":[{"name":"a","type":"numerical","nullable":true,"min":1,"max":5,"integer":true,"allowed":["1","3","5"],"unique":true}]}' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_status 0
	assert_eq "$output" "all 8 checks passed on 'd.csv' (5 rows)"
}

@test "validate: a missing value never passes a regex unless the column allows missing values" {
	printf 'code,k\nAB1,k\n,k\nNA,k\nab1,k\n' >d.csv
	echo '{"additional_columns":true,"columns":[{"name":"code","regex":"[A-Z]+[0-9]"}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.csv
	assert_status 1
	assert_eq "$(jq -c '.checks[1]' <<<"$output")" '{"column":"code","check":"regex","ok":false,"failed_rows":3,"examples":[{"line":3,"value":""},{"line":4,"value":"NA"},{"line":5,"value":"ab1"}]}'
	echo '{"additional_columns":true,"columns":[{"name":"code","regex":"[A-Z]+[0-9]","nullable":true}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.csv
	assert_eq "$(jq -c '.checks[1] | [.failed_rows, .examples[0].value]' <<<"$output")" '[1,"ab1"]'
	echo '{"additional_columns":true,"columns":[{"name":"code","regex":"[A-Z]+[0-9]","mostly":0.5}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.csv
	assert_eq "$(jq -c '[.checks[] | [.check, .ok, .failed_rows]]' <<<"$output")" '[["present",true,0],["nullable",true,2],["regex",false,1],["unexpected",true,0]]'
	# anchored: the whole value must match, even when the pattern is not
	printf 'code\nxAB1y\nAB1\n' >d.csv
	echo '{"columns":[{"name":"code","regex":"AB1|[0-9]"}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.csv
	assert_eq "$(jq -c '.checks[1] | [.failed_rows, .examples[0].value]' <<<"$output")" '[1,"xAB1y"]'
	# a regex that matches the empty string still does not let a missing value through
	printf 'code,k\n,k\n' >d.csv
	echo '{"additional_columns":true,"columns":[{"name":"code","regex":".*"}]}' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_status 1
}

@test "validate: unique compares numbers as numbers and text as bytes" {
	printf 'n,t\n1,a\n1.0,A\n2,a\n,\n,\n' >d.csv
	echo '{"columns":[{"name":"n","type":"numerical","unique":true},{"name":"t","unique":true}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.csv
	assert_status 1
	assert_eq "$(jq -c '[.checks[] | select(.check == "unique") | [.column, .failed_rows, [.examples[] | [.line, .value]]]]' <<<"$output")" \
		'[["n",1,[[3,"1.0"]]],["t",1,[[4,"a"]]]]'
}

@test "validate: unexpected columns, additional_columns, rows as a range or as information" {
	printf 'a,b,c\n1,2,3\n4,5,6\n' >d.csv
	echo '{"rows":2,"columns":[{"name":"a"}]}' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_status 1
	assert_eq "$output" "FAIL  b: unexpected: not in the schema
FAIL  c: unexpected: not in the schema
2 of 3 checks failed on 'd.csv' (2 rows)"
	echo '{"rows":100,"additional_columns":true,"columns":[{"name":"a"}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.csv
	assert_status 0
	assert_eq "$output" '{"schema":"mlv.validate/1","ok":true,"rows":2,"checks":[{"column":"a","check":"present","ok":true,"failed_rows":0,"examples":[]},{"column":"b","check":"unexpected","ok":true,"failed_rows":0,"examples":[]},{"column":"c","check":"unexpected","ok":true,"failed_rows":0,"examples":[]}]}'
	echo '{"rows":{"min":1,"max":2},"additional_columns":true,"columns":[]}' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_status 0
	echo '{"rows":{"max":1},"additional_columns":true,"columns":[]}' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_status 1
	assert_eq "$output" "FAIL  rows: 2, expected at most 1
1 of 4 checks failed on 'd.csv' (2 rows)"
	echo '{"rows":{"min":3,"max":4},"additional_columns":true,"columns":[]}' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_eq "$(head -1 <<<"$output")" "FAIL  rows: 2, expected 3 to 4"
}

@test "validate: a schema that is not JSON names the line and column" {
	printf 'a\n1\n' >d.csv
	printf '{"columns": [\n  {"name": "a",\n   "type": "numerical" "min": 0}\n]}\n' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 's.json': not valid JSON at line 3, column 24"
	: >empty.json
	run --separate-stderr mlv validate --schema empty.json d.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'empty.json': not valid JSON at line 1, column 1"
	printf '{"columns":[]}\n{}\n' >two.json
	run --separate-stderr mlv validate --schema two.json d.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'two.json': not valid JSON at line 2, column 1"
	echo '[1,2]' >arr.json
	run --separate-stderr mlv validate --schema arr.json d.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'arr.json': the schema is not a JSON object"
	run --separate-stderr mlv validate --schema nope.json d.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot read 'nope.json': no such file or directory"
}

@test "validate: unknown keys and bad values in the schema are errors naming them" {
	printf 'a\n1\n' >d.csv
	check() {
		echo "$1" >s.json
		run --separate-stderr mlv validate --schema s.json d.csv
		assert_status 128
		assert_eq "$output" ""
		assert_eq "$stderr" "mlv: error: 's.json': $2"
	}
	check '{"columns":[],"colums":[]}' "unknown key 'colums'"
	check '{"columns":[{"name":"a","nulable":false}]}' "column 'a': unknown key 'nulable'"
	check '{"rows":{"min":1,"maxi":2},"columns":[]}' "\"rows\": unknown key 'maxi'"
	check '{"rows":"many","columns":[]}' '"rows" must be a number or an object with "min" and/or "max"'
	check '{"rows":{"min":3,"max":2},"columns":[]}' '"rows": "min" is greater than "max"'
	check '{"schema":"mlv.schema/2","columns":[]}' '"schema" must be "mlv.schema/1"'
	check '{"rows":1}' 'no "columns" array'
	check '{"columns":[{"type":"numerical"}]}' 'columns[0] has no "name" (a non-empty string)'
	check '{"columns":[1]}' 'columns[0] is not a JSON object'
	check '{"columns":[{"name":"a"},{"name":"a"}]}' "column 'a' is listed twice"
	check '{"columns":[{"name":"a","name":"b"}]}' "column 'a': duplicate key 'name'"
	check '{"columns":[{"name":"a","type":"text"}]}' "column 'a': \"type\" must be \"numerical\" or \"categorical\""
	check '{"columns":[{"name":"a","nullable":"no"}]}' "column 'a': \"nullable\" must be true or false"
	check '{"columns":[{"name":"a","mostly":1.5}]}' "column 'a': \"mostly\" must be a number from 0 to 1"
	check '{"columns":[{"name":"a","mostly":0.5,"nullable":true}]}' "column 'a': \"mostly\" is the share of values that must not be missing: it needs \"nullable\": false (or no \"nullable\")"
	check '{"columns":[{"name":"a","min":"0","type":"numerical"}]}' "column 'a': \"min\" must be a number"
	check '{"columns":[{"name":"a","min":0}]}' "column 'a': \"min\" needs \"type\": \"numerical\""
	check '{"columns":[{"name":"a","type":"categorical","integer":true}]}' "column 'a': \"integer\" needs \"type\": \"numerical\""
	check '{"columns":[{"name":"a","type":"numerical","min":2,"max":1}]}' "column 'a': \"min\" is greater than \"max\""
	check '{"columns":[{"name":"a","allowed":["x",1]}]}' "column 'a': \"allowed\" must be an array of strings"
	check '{"columns":[{"name":"a","regex":7}]}' "column 'a': \"regex\" must be a string"
	check '{"additional_columns":1,"columns":[]}' '"additional_columns" must be true or false'
}

@test "validate: a regex that does not compile is a clear error" {
	printf 'a\n1\n' >d.csv
	echo '{"columns":[{"name":"a","regex":"([0-9]"}]}' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: 's.json': column 'a': invalid regex '([0-9]': "* ]]
	echo '{"columns":[{"name":"a","regex":"a{2,1}"}]}' >s.json
	run --separate-stderr mlv validate --schema s.json d.csv
	assert_status 128
	[[ "$stderr" == "mlv: error: 's.json': column 'a': invalid regex 'a{2,1}': "* ]]
}

@test "validate: bad data files: ragged, unterminated quote, invalid UTF-8, empty, duplicate names" {
	echo '{"columns":[{"name":"a"},{"name":"b"}]}' >s.json
	printf 'a,b\n1,2\n3\n' >ragged.csv
	run --separate-stderr mlv validate --schema s.json ragged.csv
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: "*"line 3"* ]]
	printf 'a,b\n1,"open\n2,3\n' >quote.csv
	run --separate-stderr mlv validate --schema s.json quote.csv
	assert_status 128
	[[ "$stderr" == "mlv: error: "*"line 2"* ]]
	printf 'a,b\n1,caf\xe9\n' >latin1.csv
	run --separate-stderr mlv validate --schema s.json latin1.csv
	assert_status 128
	[[ "$stderr" == "mlv: error: "*"line 2"*"UTF-8"* ]]
	: >empty.csv
	run --separate-stderr mlv validate --schema s.json empty.csv
	assert_status 128
	[[ "$stderr" == "mlv: error: "*"empty.csv"* ]]
	printf 'a,b,a\n1,2,3\n' >dup.csv
	run --separate-stderr mlv validate --schema s.json dup.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'dup.csv': the column name 'a' occurs twice"
}

@test "validate: a header-only file has 0 rows; the row count can still fail" {
	printf 'a,b\n' >h.csv
	echo '{"columns":[{"name":"a","nullable":false,"type":"numerical"},{"name":"b","mostly":1}]}' >s.json
	run --separate-stderr mlv validate --schema s.json h.csv
	assert_status 0
	assert_eq "$output" "all 5 checks passed on 'h.csv' (0 rows)"
	echo '{"rows":{"min":1},"columns":[{"name":"a"},{"name":"b"}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json h.csv
	assert_status 1
	assert_eq "$(jq -c '[.ok, .rows, .checks[-1].check, .checks[-1].ok]' <<<"$output")" '[false,0,"rows",false]'
}

@test "validate: JSON Lines, TSV, --delimiter and the schema on standard input" {
	printf '{"a":1,"b":"x"}\n{"a":"two"}\n' >d.jsonl
	echo '{"columns":[{"name":"a","type":"numerical"},{"name":"b","nullable":false}]}' >s.json
	run --separate-stderr mlv validate --json --schema s.json d.jsonl
	assert_status 1
	assert_eq "$(jq -c '[.checks[] | select(.ok | not) | [.column, .check, .examples[0].line]]' <<<"$output")" \
		'[["a","type",2],["b","nullable",2]]'
	printf 'a\tb\n1\tx\n' >d.tsv
	run --separate-stderr mlv validate --schema - d.tsv <s.json
	assert_status 0
	printf 'a|b\n1|x\n' >d.txt
	run --separate-stderr mlv validate --delimiter '|' --schema s.json d.txt
	assert_status 0
	run --separate-stderr mlv validate --schema s.json - <d.tsv
	assert_status 0
}

@test "validate: usage errors exit 129" {
	printf 'a\n1\n' >d.csv
	echo '{"columns":[]}' >s.json
	run --separate-stderr mlv validate d.csv
	assert_status 129
	[[ "$stderr" == "mlv: error: --schema <file> is required"* ]]
	run --separate-stderr mlv validate --schema s.json
	assert_status 129
	[[ "$stderr" == "usage: mlv validate "* ]]
	run --separate-stderr mlv validate --schema s.json d.csv d.csv
	assert_status 129
	run --separate-stderr mlv validate --schema - -
	assert_status 129
	assert_eq "$stderr" "mlv: error: only one of --schema and <data> can be standard input"
	run --separate-stderr mlv validate --delimiter '' --schema s.json d.csv
	assert_status 129
	run mlv validate -h
	assert_status 129
	[[ "$output" == "usage: mlv validate [--json] [--delimiter <d>] --schema <file> <data>"* ]]
}

@test "validate: a tracked file as of a git revision (path@rev)" {
	command -v git >/dev/null || skip "git is not installed"
	git init -q . && mlv init >/dev/null 2>&1
	printf 'a,b\n1,x\n2,y\n' >data.csv
	mlv track data.csv >/dev/null 2>&1 || skip "mlv track failed"
	git add data.csv.mlv .gitignore && git commit -qm v1 && git tag v1
	mlv schema infer data.csv@v1 >schema.json
	printf 'a,b\n1,x\n2,z\n' >data.csv
	run --separate-stderr mlv validate --schema schema.json data.csv@v1
	assert_status 0
	assert_eq "$output" "all 9 checks passed on 'data.csv@v1' (2 rows)"
	run --separate-stderr mlv validate --schema schema.json data.csv
	assert_status 1
	assert_eq "$(head -2 <<<"$output")" 'FAIL  b: allowed (2 values): 1 of 2 rows
      line 3: "z"'
	run --separate-stderr mlv validate --schema schema.json data.csv@v9
	assert_status 128
	[[ "$stderr" == "mlv: error: cannot read 'data.csv@v9': "* ]]
}
