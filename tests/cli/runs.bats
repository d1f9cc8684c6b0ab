#!/usr/bin/env bats
# mlv runs: the table (newest first), --filter with the expression language
# (syntax errors with a caret, unknown fields missing), --sort, -n,
# --columns, --json.

load helper
load plumbing

setup() {
	mlv_setup
	export MLV_RUN_NO_PYTHON=1
	mlv init -q
	MLV_TEST_RUN_ID=aaaa0000000000000000000000000001 mlv run -n a -p model=xgb -- mlv log-metric auc=0.8 2>/dev/null
	sleep 0.01
	MLV_TEST_RUN_ID=bbbb0000000000000000000000000002 mlv run -n b -p model=lr -- sh -c 'mlv log-metric auc=0.95; exit 1' 2>/dev/null || true
	sleep 0.01
	MLV_TEST_RUN_ID=cccc0000000000000000000000000003 mlv run -n c -p model=xgb -- mlv log-metric auc=0.9 loss=nan 2>/dev/null
}

teardown() {
	mlv_teardown
}

names() {
	mlv runs --json "$@" | jq -r '[.runs[].name] | join(" ")'
}

@test "runs: newest first; the default columns; -n" {
	run --separate-stderr mlv runs --columns id,name,status,metrics.auc,params.model
	assert_status 0
	assert_eq "$output" "id        name  status  metrics.auc  params.model
cccc0000  c     0       0.9          xgb
bbbb0000  b     1       0.95         lr
aaaa0000  a     0       0.8          xgb"
	run mlv runs
	assert_eq "$(head -1 <<<"$output")" "id        start                name  status  duration  metrics.auc  metrics.loss  params.model"
	assert_eq "$(names -n 2)" "c b"
}

@test "runs --filter: expressions over metrics, params, status and name; unknown fields are missing" {
	assert_eq "$(names --filter 'metrics.auc > 0.85')" "c b"
	assert_eq "$(names --filter 'metrics.auc >= 0.8 and params.model == "xgb"')" "c a"
	assert_eq "$(names --filter 'status != 0')" "b"
	assert_eq "$(names --filter 'name == "a" or name == "c"')" "c a"
	assert_eq "$(names --filter 'duration >= 0')" "c b a"
	# missing never passes, not even through not
	assert_eq "$(names --filter 'metrics.nope > 0')" ""
	assert_eq "$(names --filter 'not (metrics.nope > 0)')" ""
	assert_eq "$(names --filter 'metrics.nope == null')" "c b a"
	# NaN compares as missing
	assert_eq "$(names --filter 'metrics.loss < 1 or metrics.loss >= 1')" ""
}

@test "runs: an unknown field is missing, not an error: it matches no run and sorts last" {
	# neither metrics., params. nor tags.: a misspelling or a field that does not exist
	for f in 'colour == "red"' 'metric.auc > 0' 'metrics > 0' 'tags.stage == "x"' 'not (bogus == 1)'; do
		run --separate-stderr mlv runs --json --filter "$f"
		assert_status 0
		assert_eq "$stderr" "" "stderr of --filter '$f'"
		assert_eq "$(jq -c .runs <<<"$output")" "[]" "runs matching '$f'"
	done
	assert_eq "$(names --filter 'bogus == null')" "c b a"
	# all missing: the order stays newest first, either way
	assert_eq "$(names --sort colour)" "c b a"
	assert_eq "$(names --sort -colour)" "c b a"
	run --separate-stderr mlv runs --columns name,colour
	assert_status 0
	assert_eq "$output" "name  colour
c     -
b     -
a     -"
}

@test "runs --filter: a syntax error shows the column and a caret; exit 128" {
	run --separate-stderr mlv runs --filter 'metrics.auc > and 1'
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: --filter: syntax error at column 15: expected a value, found 'and'
    metrics.auc > and 1
                  ^"
}

@test "runs --sort: ascending, -key descending, missing last" {
	assert_eq "$(names --sort metrics.auc)" "a c b"
	assert_eq "$(names --sort -metrics.auc)" "b c a"
	assert_eq "$(names --sort -metrics.auc -n 1)" "b"
	assert_eq "$(names --sort params.model)" "b c a"
	assert_eq "$(names --sort -metrics.loss)" "c b a"
}

@test "runs --json: the summary of each run" {
	run --separate-stderr mlv runs --json -n 1
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" mlv.runs/1
	assert_eq "$(jq -c '.runs[0] | [.id, .name, .status, .metrics, .params]' <<<"$output")" \
		'["cccc0000000000000000000000000003","c",0,{"auc":0.9,"loss":"nan"},{"model":"xgb"}]'
	rec=$(jq -r '.runs[0].record' <<<"$output")
	assert_eq "$(mlv show --json c | jq -r .record)" "$rec"
}

@test "runs: an empty store lists nothing; usage errors" {
	rm -rf .mlv && mlv init -q
	assert_eq "$(mlv runs --json)" '{"schema":"mlv.runs/1","runs":[]}'
	run mlv runs extra
	assert_status 129
}

@test "runs -n with --sort: the first n of the whole sorted list, for every n and key" {
	MLV_TEST_RUN_ID=dddd0000000000000000000000000004 mlv run -n d -p model=svm -- true 2>/dev/null
	MLV_TEST_RUN_ID=eeee0000000000000000000000000005 mlv run -n e -p model=xgb -- mlv log-metric auc=0.9 2>/dev/null
	for key in metrics.auc -metrics.auc params.model -params.model -metrics.loss name status id; do
		all=$(names --sort "$key")
		for n in 0 1 2 3 4 5 6; do
			assert_eq "$(names --sort "$key" -n "$n")" "$(tr ' ' '\n' <<<"$all" | head -n "$n" | paste -sd' ')"
		done
	done
	assert_eq "$(names -n 2)" "e d"
	assert_eq "$(names -n 2 --filter 'metrics.auc >= 0.9')" "e c"
	assert_eq "$(names -n 0)" ""
}

@test "runs -n through the sort index: the rows of a full read, over ties, NaN, inf, missing values and names" {
	vals=(0.5 0.5 0.9 nan inf -inf 0.1 -0 0 "")
	for i in $(seq 1 40); do
		v=${vals[$((i * 7 % 10))]}
		MLV_TEST_RUN_ID=$(printf '%08x%024x' $((i * 7919 % 65521)) "$i") \
			mlv run -n "r$((i % 5))" -t grp=g$((i % 3)) -- mlv log-metric ${v:+auc=$v} loss=$i 2>/dev/null
	done
	ids() { mlv runs --json "$@" | jq -r '[.runs[].id] | join(" ")'; }
	for key in "" -metrics.auc metrics.auc -metrics.loss metrics.loss metrics.nope; do
		for f in "" 'metrics.loss > 25' 'name == "r1"' 'metrics.auc > 0.2' 'tags.grp == "g2"'; do
			all=$(ids ${key:+--sort "$key"} ${f:+--filter "$f"})
			for n in 0 1 3 7 50; do
				want=$(tr ' ' '\n' <<<"$all" | head -n "$n" | paste -sd' ')
				assert_eq "$(ids ${key:+--sort "$key"} ${f:+--filter "$f"} -n "$n")" "$want" "sort '$key' filter '$f' -n $n"
				assert_eq "$(MLV_TEST_RUNS_SCAN=1 ids ${key:+--sort "$key"} ${f:+--filter "$f"} -n "$n")" "$want" "(scan) sort '$key' filter '$f' -n $n"
			done
		done
	done
	# --json of every run is written as the index gives it: the same bytes as a full read
	for f in "" 'metrics.loss > 25' 'metrics.auc > 0.2'; do
		assert_eq "$(mlv runs --json ${f:+--filter "$f"})" "$(MLV_TEST_RUNS_SCAN=1 mlv runs --json ${f:+--filter "$f"})" "--json filter '$f'"
	done
	# names and tags resolve to the newest holder
	newest=$(ids --filter 'name == "r2"' -n 1)
	assert_eq "$(mlv show --json r2 | jq -r .id)" "$newest"
	newest=$(ids --filter 'tags.grp == "g1"' -n 1)
	assert_eq "$(mlv show --json grp=g1 | jq -r .id)" "$newest"
	run --separate-stderr mlv fsck
	assert_status 0
}

@test "runs --filter and show: names and params with JSON escapes and non-ASCII match" {
	MLV_TEST_RUN_ID=ffff0000000000000000000000000006 mlv run -n 'q "x" \ é' -p 'path=a\b' -p 'tab=a	b' -- true 2>/dev/null
	assert_eq "$(names --filter 'name == "q \"x\" \\ é"')" 'q "x" \ é'
	assert_eq "$(names --filter 'params.path == "a\\b" and params.tab == "a\tb"')" 'q "x" \ é'
	assert_eq "$(names --filter 'name == "q \u0022x\u0022 \\ \u00e9"')" 'q "x" \ é'
	assert_eq "$(names --sort -name -n 1)" 'q "x" \ é'
	assert_eq "$(mlv show --json 'q "x" \ é' | jq -r .id)" ffff0000000000000000000000000006
	# the table decodes them too
	run --separate-stderr mlv runs -n 1 --columns name,params.path --filter 'params.path != null'
	assert_status 0
	assert_eq "$output" 'name        params.path
q "x" \ é  a\b'
}
