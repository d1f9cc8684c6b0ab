#!/usr/bin/env bats
# mlv drift: the table and the JSON byte for byte, exit codes 0/1, numbers
# checked against scipy, typing and rescans, every bad input of issue 6 with
# its message and exit code (and nothing written), the HTML report in
# headless Chromium, specs of tracked data.

load helper
load plumbing

# A tiny pair: age shifts (ks), city changes its mix (chisquare), score has
# a missing value on each side and does not drift.
tiny_pair() {
	printf 'age,city,score\n1,a,1.5\n2,b,2.5\n3,a,3\n4,b,\n5,a,4\n6,c,5\n7,a,6\n' >ref.csv
	printf 'age,city,score\n6,a,1.5\n7,c,2.5\n8,c,3\n9,c,NA\n10,c,4\n11,b,5\n' >cur.csv
}

# sums of the files a failing command must leave alone
sums() {
	sha256sum "$@"
}

@test "drift: the table, the summary and exit 1 when the dataset drifts" {
	tiny_pair
	run --separate-stderr mlv drift ref.csv cur.csv
	assert_status 1
	assert_eq "$output" "column  type         test       statistic  p-value     threshold  result
age     numerical    ks         0.714286   0.0384615   0.05       DRIFT
city    categorical  chisquare  13.5417    0.00114674  0.05       DRIFT
score   numerical    ks         0.166667   1           0.05       ok

drifted columns: 2 of 3
drift share: 0.666667 (threshold 0.5)
dataset drift: yes"
	assert_eq "$stderr" ""
}

@test "drift --json: exact document; numbers as scipy's ks_2samp and chisquare give them" {
	tiny_pair
	run --separate-stderr mlv drift --json ref.csv cur.csv
	assert_status 1
	# scipy 1.10: ks_2samp([1..7], [6..11]) = (0.7142857142857143, 0.038461538461538464);
	# chisquare([1,1,4], [4,2,1]*6/7) = (13.541666666666666, 0.001146738637086756)
	assert_eq "$output" '{"schema":"mlv.drift/1","columns":[{"column":"age","type":"numerical","test":"ks","statistic":0.7142857142857143,"p_value":0.038461538461538464,"threshold":0.05,"drift":true,"n_ref":7,"n_cur":6,"missing_ref":0,"missing_cur":0},{"column":"city","type":"categorical","test":"chisquare","statistic":13.541666666666666,"p_value":0.001146738637086756,"threshold":0.05,"drift":true,"n_ref":7,"n_cur":6,"missing_ref":0,"missing_cur":0},{"column":"score","type":"numerical","test":"ks","statistic":0.16666666666666666,"p_value":1,"threshold":0.05,"drift":false,"n_ref":6,"n_cur":5,"missing_ref":1,"missing_cur":1}],"drifted_columns":2,"drift_share":0.6666666666666666,"share_threshold":0.5,"dataset_drift":true,"skipped":[]}'
	assert_eq "$stderr" ""
}

@test "drift: exit 0 when the dataset does not drift; --drift-share moves the line" {
	tiny_pair
	run --separate-stderr mlv drift ref.csv ref.csv
	assert_status 0
	assert_eq "$(tail -3 <<<"$output")" "drifted columns: 0 of 3
drift share: 0 (threshold 0.5)
dataset drift: no"
	run --separate-stderr mlv drift --drift-share 0.7 --json ref.csv cur.csv
	assert_status 0
	assert_eq "$(jq -c '[.drifted_columns, .drift_share, .share_threshold, .dataset_drift]' <<<"$output")" \
		'[2,0.6666666666666666,0.7,false]'
	run --separate-stderr mlv drift --drift-share 0.5 --exclude city ref.csv cur.csv
	assert_status 1
	assert_eq "$(tail -1 <<<"$output")" "dataset drift: yes"
}

@test "drift: the statistics of tests/fixtures/drift/cases.h (n=2 vs n=3)" {
	# cases.h "n=2 vs n=3": ks (1, 0x1.999999999999ap-3), wasserstein
	# 0x1.4000000000001p+2, chisquare (inf, 0), psi 0x1.09ff1dd736866p+4
	printf 'a,b,c,d\n1,1,1,1\n2,2,2,2\n' >r.csv
	printf 'a,b,c,d\n3,3,3,3\n4,4,4,4\n5,5,5,5\n' >c.csv
	run --separate-stderr mlv drift --json --test a=ks --test b=wasserstein --test d=psi r.csv c.csv
	assert_status 1
	assert_eq "$(jq -c '[.columns[] | [.column, .test, .p_value, .threshold, .drift]]' <<<"$output")" \
		'[["a","ks",0.2,0.05,false],["b","wasserstein",null,0.1,true],["c","chisquare",0,0.05,true],["d","psi",null,0.1,true]]'
	# the statistics to 1e-9 relative, as the unit tests hold them
	jq -e '[.columns[] | .statistic] as $s |
		($s[0] == 1) and (($s[1] - 5.000000000000001) | fabs) < 5e-9 and
		(($s[3] - 16.62478431766103) | fabs) < 1.7e-8' <<<"$output" >/dev/null
	# an infinite statistic is written 1e999 (which reads back as infinity)
	[[ "$output" == *'"column":"c","type":"numerical","test":"chisquare","statistic":1e999,"p_value":0,'* ]]
}

@test "drift: the default test follows the reference size and the number of values" {
	{ echo 'many,few,two,cat'; for i in $(seq 1 1001); do echo "$i,$((i % 4)),$((i % 2)),k$((i % 7))"; done; } >big.csv
	{ echo 'many,few,two,cat'; for i in $(seq 1 30); do echo "$i,$((i % 4)),$((i % 2)),k$((i % 7))"; done; } >small.csv
	run --separate-stderr mlv drift --json big.csv small.csv
	assert_eq "$(jq -c '[.columns[] | .test]' <<<"$output")" '["wasserstein","jensenshannon","jensenshannon","jensenshannon"]'
	run --separate-stderr mlv drift --json small.csv big.csv
	assert_eq "$(jq -c '[.columns[] | .test]' <<<"$output")" '["ks","chisquare","z","chisquare"]'
	# --test for all, --test and --threshold for one
	run --separate-stderr mlv drift --json --test psi --test two=hellinger --threshold 0.2 --threshold few=0.3 small.csv big.csv
	assert_eq "$(jq -c '[.columns[] | [.test, .threshold]]' <<<"$output")" \
		'[["psi",0.2],["psi",0.3],["hellinger",0.2],["psi",0.2]]'
}

@test "drift: --columns, --exclude, --categorical and --numerical" {
	tiny_pair
	run --separate-stderr mlv drift --json --columns score,age ref.csv cur.csv
	assert_eq "$(jq -c '[.columns[] | .column]' <<<"$output")" '["age","score"]'
	run --separate-stderr mlv drift --json --exclude age --exclude score ref.csv cur.csv
	assert_eq "$(jq -c '[.columns[] | .column]' <<<"$output")" '["city"]'
	run --separate-stderr mlv drift --json --categorical age ref.csv cur.csv
	assert_eq "$(jq -c '.columns[0] | [.type, .test]' <<<"$output")" '["categorical","chisquare"]'
	printf 'code\n01\n1\n02\n' >r.csv
	printf 'code\n1\n1\n2\n' >c.csv
	# as numbers 01 and 1 are one value; as categories they are two
	run --separate-stderr mlv drift --json --test z r.csv c.csv
	assert_eq "$(jq -c '.columns[0] | [.type, .statistic]' <<<"$output")" '["numerical",0]'
	run --separate-stderr mlv drift --json --test z --categorical code r.csv c.csv
	assert_eq "$(jq -c '.columns[0].type' <<<"$output")" '"categorical"'
	run --separate-stderr mlv drift --categorical code --numerical code r.csv c.csv
	assert_status 129
	assert_eq "$stderr" "mlv: error: column 'code' is given both as --categorical and --numerical"
	run --separate-stderr mlv drift --columns age,nope ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: --columns: no column 'nope' in 'ref.csv' or 'cur.csv'"
	run --separate-stderr mlv drift --exclude age,city,score ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: --exclude: no column 'age,city,score' in 'ref.csv' or 'cur.csv'"
	run --separate-stderr mlv drift --columns age --exclude age ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: no column left to compare"
	run --separate-stderr mlv drift --test nope=ks ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: --test: no column 'nope' in 'ref.csv' or 'cur.csv'"
}

@test "drift: a column with text after numbers is read again as categorical, in either file" {
	printf 'x,y\n1,1\n2,2\n3,z\n4,4\n' >r.csv
	printf 'x,y\n1,1\nb,2\n3,3\n4,4\n' >c.csv
	run --separate-stderr mlv drift --json --test chisquare r.csv c.csv
	assert_status 1
	assert_eq "$(jq -c '[.columns[] | [.column, .type, .n_ref, .n_cur]]' <<<"$output")" \
		'[["x","categorical",4,4],["y","categorical",4,4]]'
	# the same document as when the types are given
	typed=$(mlv drift --json --test chisquare --categorical x --categorical y r.csv c.csv) || [ $? -eq 1 ]
	assert_eq "$output" "$typed"
	# a pipe cannot be read twice: the message says what to do
	run --separate-stderr mlv drift <(cat r.csv) c.csv
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: cannot read '/dev/fd/"*"' a second time (it is a pipe), which a column that holds both numbers and text needs (give it with --categorical)" ]]
	run --separate-stderr mlv drift --json --categorical x --categorical y <(cat r.csv) c.csv
	assert_status 1
	assert_eq "$(jq -c .columns <<<"$output")" "$(jq -c .columns <<<"$typed")"
}

@test "drift: files with different columns compare the common ones; --strict refuses" {
	printf 'a,b,c\n1,2,3\n2,3,4\n' >r.csv
	printf 'c,a,d\n3,1,5\n4,2,6\n' >c.csv
	run --separate-stderr mlv drift --json r.csv c.csv
	assert_status 0
	assert_eq "$(jq -c '[.columns[] | .column]' <<<"$output")" '["a","c"]'
	assert_eq "$stderr" "mlv: warning: columns only in 'r.csv', not compared: 'b'
mlv: warning: columns only in 'c.csv', not compared: 'd'"
	run --separate-stderr mlv drift --strict --html report.html r.csv c.csv
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: the files have different columns (--strict): only in 'r.csv': 'b'; only in 'c.csv': 'd'"
	[ ! -e report.html ]
	printf 'x,y\n1,2\n' >other.csv
	run --separate-stderr mlv drift r.csv other.csv
	assert_status 128
	assert_eq "${stderr##*$'\n'}" "mlv: error: 'r.csv' and 'other.csv' have no column in common"
}

@test "drift: a column empty in one file, or missing everywhere, is skipped with its reason" {
	printf 'a,b,c\n1,,NA\n2,,\n3,,null\n' >r.csv
	printf 'a,b,c\n1,5,\n2,6,NaN\n3,7,\n' >c.csv
	run --separate-stderr mlv drift r.csv c.csv
	assert_status 0
	assert_eq "$output" "column  type       test       statistic  p-value  threshold  result
a       numerical  chisquare  0          1        0.05       ok
b       -          -          -          -        -          skipped (every value is missing in 'r.csv')
c       -          -          -          -        -          skipped (no values in either file)

drifted columns: 0 of 1 (2 skipped)
drift share: 0 (threshold 0.5)
dataset drift: no"
	assert_eq "$stderr" "mlv: warning: column 'b' skipped: every value is missing in 'r.csv'
mlv: warning: column 'c' skipped: no values in either file"
	run --separate-stderr mlv drift --json r.csv c.csv
	assert_status 0
	assert_eq "$(jq -c '.skipped' <<<"$output")" \
		'[{"column":"b","reason":"every value is missing in '"'r.csv'"'","n_ref":0,"n_cur":3,"missing_ref":3,"missing_cur":0},{"column":"c","reason":"no values in either file","n_ref":0,"n_cur":0,"missing_ref":3,"missing_cur":3}]'
	assert_eq "$(jq -c '[.columns[] | .column]' <<<"$output")" '["a"]'
}

@test "drift: a header-only file and a 0-byte file are errors, nothing printed" {
	printf 'a,b\n1,2\n' >r.csv
	printf 'a,b\n' >h.csv
	: >z.csv
	run --separate-stderr mlv drift --json --html report.html r.csv h.csv
	assert_status 128
	assert_eq "$output" ""
	assert_eq "${stderr##*$'\n'}" "mlv: error: nothing to compare: 'h.csv' has no rows"
	[ ! -e report.html ]
	run --separate-stderr mlv drift r.csv z.csv
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'z.csv' is empty (no header row)"
}

@test "drift: ragged rows and unterminated quotes name the file and the line" {
	printf 'a,b\n1,2\n3,4\n' >r.csv
	printf 'a,b\n1,2\n3\n5,6\n' >ragged.csv
	printf 'a,b\n1,2\n"3,4\n5,6\n' >quote.csv
	before=$(sums r.csv ragged.csv quote.csv)
	run --separate-stderr mlv drift r.csv ragged.csv
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'ragged.csv', line 3: expected 2 fields, found 1"
	run --separate-stderr mlv drift quote.csv r.csv
	assert_status 128
	[[ "$stderr" == "mlv: error: 'quote.csv', line 3: unterminated quoted field"* ]]
	assert_eq "$(sums r.csv ragged.csv quote.csv)" "$before"
}

@test "drift: non-UTF-8 bytes are refused with the line and field" {
	printf 'a,b\n1,x\n' >r.csv
	printf 'a,b\n1,caf\xe9\n' >latin1.csv
	run --separate-stderr mlv drift r.csv latin1.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'latin1.csv', line 2, field 2: invalid UTF-8 byte 0xe9"
}

@test "drift: a large field is a category like any other; one over 64 MiB is refused" {
	{ printf 'a,b\n1,'; head -c 2000000 /dev/zero | tr '\0' x; printf '\n2,y\n'; } >big.csv
	printf 'a,b\n1,y\n2,y\n' >r.csv
	run --separate-stderr mlv drift --json r.csv big.csv
	assert_status 0
	assert_eq "$(jq -c '.columns[1] | [.type, .n_cur]' <<<"$output")" '["categorical",2]'
	{ printf 'a,b\n1,'; head -c $((65 * 1048576)) /dev/zero | tr '\0' x; printf '\n'; } >huge.csv
	run --separate-stderr mlv drift r.csv huge.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'huge.csv', line 2: field 2 is longer than 64 MiB"
}

@test "drift: JSON Lines, TSV by extension, --delimiter" {
	printf '{"a":1,"b":"x"}\n{"a":2,"b":"y"}\n{"a":3}\n' >r.jsonl
	printf 'a\tb\n1\tx\n2\ty\n3\ty\n' >c.tsv
	printf 'a;b\n1;x\n2;y\n3;y\n' >c.txt
	run --separate-stderr mlv drift --json r.jsonl c.tsv
	assert_status 0
	assert_eq "$(jq -c '[.columns[] | [.column, .type, .n_ref, .missing_ref, .n_cur]]' <<<"$output")" \
		'[["a","numerical",3,0,3],["b","categorical",2,1,3]]'
	run --separate-stderr mlv drift --json --delimiter ';' r.jsonl c.txt
	assert_status 0
	assert_eq "$(jq -c '[.columns[] | .n_cur]' <<<"$output")" '[3,3]'
	run --separate-stderr mlv drift --delimiter ab r.jsonl c.txt
	assert_status 129
	assert_eq "$stderr" "mlv: error: --delimiter: 'ab' is not one character"
}

@test "drift: a JSON Lines file with a broken line names the line" {
	printf '{"a":1}\n{"a":2}\n' >r.jsonl
	printf '{"a":1}\n{"a":2}\n{"a":\n{"a":4}\n' >broken.jsonl
	run --separate-stderr mlv drift r.jsonl broken.jsonl
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: 'broken.jsonl', line 3: invalid JSON near column "* ]]
}

@test "drift: an unknown test is bad input (128) and lists the known ones" {
	tiny_pair
	run --separate-stderr mlv drift --test foo ref.csv cur.csv
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: --test: unknown test 'foo' (known: ks, chisquare, z, wasserstein, psi, jensenshannon, kl_div, hellinger)"
	run --separate-stderr mlv drift --test age=kss ref.csv cur.csv
	assert_status 128
}

@test "drift: a test that does not fit the column's type is a clear error" {
	tiny_pair
	run --separate-stderr mlv drift --test city=ks ref.csv cur.csv
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: column 'city': ks needs a numerical column"
	run --separate-stderr mlv drift --test wasserstein ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: column 'city': wasserstein needs a numerical column"
	# known before reading: the type is given
	run --separate-stderr mlv drift --categorical age --test age=ks ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: column 'age': ks needs a numerical column"
	# a forced numerical column with text
	run --separate-stderr mlv drift --numerical city ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'ref.csv', line 2, column 'city': 'a' is not a number (the column was given with --numerical)"
}

@test "drift: thresholds out of range are refused (128), non-numbers are usage errors (129)" {
	tiny_pair
	run --separate-stderr mlv drift --threshold 0 ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: --threshold: 0 is out of range: a threshold is a number > 0 (and < 1 for the p-value tests)"
	run --separate-stderr mlv drift --threshold age=1.5 ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: column 'age': threshold 1.5 out of range for ks: a p-value threshold lies between 0 and 1"
	run --separate-stderr mlv drift --test psi --threshold inf ref.csv cur.csv
	assert_status 128
	run --separate-stderr mlv drift --threshold abc ref.csv cur.csv
	assert_status 129
	assert_eq "$stderr" "mlv: error: --threshold: 'abc' is not a number"
	run --separate-stderr mlv drift --drift-share 0 ref.csv cur.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: --drift-share: 0 is out of range: a share lies in (0, 1]"
	run --separate-stderr mlv drift --test psi --threshold 2.5 --json ref.csv cur.csv
	assert_eq "$(jq -c '[.columns[] | .threshold]' <<<"$output")" '[2.5,2.5,2.5]'
}

@test "drift: usage errors and missing files" {
	tiny_pair
	run --separate-stderr mlv drift ref.csv
	assert_status 129
	run --separate-stderr mlv drift -h
	assert_status 129
	[[ "$output" == "usage: mlv drift "* ]]
	run --separate-stderr mlv drift --bogus ref.csv cur.csv
	assert_status 129
	run --separate-stderr mlv drift ref.csv nope.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot read 'nope.csv': no such file or directory"
	mkdir d
	run --separate-stderr mlv drift ref.csv d
	assert_status 128
	assert_eq "$stderr" "mlv: error: cannot read 'd': is a directory"
	printf 'a,a\n1,2\n' >dup.csv
	run --separate-stderr mlv drift dup.csv dup.csv
	assert_status 128
	assert_eq "$stderr" "mlv: error: 'dup.csv': the column name 'a' occurs twice"
}

@test "drift --html: a self-contained page, drifted columns first, one chart per column, in Chromium" {
	tiny_pair
	printf 'n,m\n' >many-r.csv
	for i in $(seq 1 60); do echo "$i,c$((i % 25))"; done >>many-r.csv
	printf 'n,m\n' >many-c.csv
	for i in $(seq 1 60); do echo "$((i * 2)),c$((i % 30))"; done >>many-c.csv
	run --separate-stderr mlv drift --html report.html ref.csv cur.csv
	assert_status 1
	[ -s report.html ]
	# written atomically: no temporary file left beside it
	assert_eq "$(ls)" "cur.csv
many-c.csv
many-r.csv
ref.csv
report.html"
	# nothing from the network, no scripts
	! grep -Eqi '<script|https?://|<link|@import|url\(' report.html
	# drifted columns first: age, city, then score
	assert_eq "$(grep -o '<svg data-column="[^"]*"' report.html | cut -d'"' -f2 | tr '\n' ' ')" "age city score "
	run --separate-stderr mlv drift --html many.html many-r.csv many-c.csv
	grep -q 'the 20 most frequent; ' many.html
	grep -q '(7 bins)\|bins)' many.html
	if ! command -v chromium >/dev/null 2>&1; then
		skip "chromium is not installed (scripts/install-deps installs it): the page was not rendered"
	fi
	for page in report.html many.html; do
		profile=$(mktemp -d)
		run --separate-stderr timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
			--no-first-run --disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$profile" --dump-dom "file://$PWD/$page"
		rm -rf "$profile"
		assert_status 0
		[[ "$output" == *"<h1>Data drift report</h1>"* ]]
		# every column has its chart, with bars in it, after the browser parsed the page
		charts=$(grep -o '<svg data-column="[^"]*"' <<<"$output" | wc -l)
		want=$(grep -c '<section' "$page")
		[ "$charts" -ge 1 ] && assert_eq "$charts" "$want" "charts in $page"
		[ "$(grep -o '<rect [^>]*class="cur"' <<<"$output" | wc -l)" -ge 2 ]
	done
}

@test "drift --html: values far from zero with a tiny spread still get a chart (no endless axis)" {
	# 1e15 + i: 30 distinct values, one apart, where a double has 1/8 to spare
	{ echo v; for i in $(seq 10 39); do echo "10000000000000$i"; done; } >r.csv
	{ echo v; for i in $(seq 20 49); do echo "10000000000000$i"; done; } >c.csv
	run --separate-stderr timeout 20 mlv drift --html far.html r.csv c.csv
	[ "$status" -le 1 ]
	assert_eq "$(grep -c '<svg data-column="v"' far.html)" 1
	[ "$(grep -c 'class="xtick"' far.html)" -ge 3 ]
}

@test "drift: a tracked file as of a git revision (path@rev) against the work tree" {
	command -v git >/dev/null || skip "git is not installed"
	git init -q . && mlv init >/dev/null 2>&1
	printf 'a,b\n1,x\n2,y\n3,x\n4,y\n5,x\n6,y\n' >data.csv
	mlv track data.csv >/dev/null 2>&1 || skip "mlv track failed"
	git add data.csv.mlv .gitignore && git commit -qm v1 && git tag v1
	printf 'a,b\n11,z\n12,z\n13,z\n14,z\n15,z\n16,z\n' >data.csv
	run --separate-stderr mlv drift --json data.csv@v1 data.csv
	assert_status 1
	assert_eq "$(jq -c '[.columns[] | [.column, .drift, .n_ref]]' <<<"$output")" '[["a",true,6],["b",true,6]]'
	run --separate-stderr mlv drift data.csv@v9 data.csv
	assert_status 128
	[[ "$stderr" == "mlv: error: cannot read 'data.csv@v9': "* ]]
}
