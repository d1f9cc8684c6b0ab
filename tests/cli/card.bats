#!/usr/bin/env bats
# mlv card: a Markdown model card from the registry; texts written by people
# come from tags or mlv.json and are marked "Not provided" otherwise.

load helper
load modelproj

setup() {
	mlv_setup
	model_project
	train t1 data/train.csv data/extra.jsonl
	mlv register churn model.bin --run t1 -m first --tag intended_use="Churn scoring for monthly plans" >/dev/null
	RUN=$(mlv runs --json | jq -r '.runs[0].id')
	COMMIT=$(git rev-parse HEAD)
}

teardown() {
	mlv_teardown
}

# section TITLE: the lines of the card's section "## TITLE" (stdin), without the title.
section() {
	awk -v t="## $1" '$0 == t { on = 1; next } /^## / { on = 0 } on && NF'
}

@test "card: the model details" {
	mlv promote churn@1 staging -m "looks good" >/dev/null
	run mlv card churn@1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "# Model card: churn@1" ]
	details=$(section "Model details" <<<"$output")
	grep -qxF "| Name | churn |" <<<"$details"
	grep -qxF "| Version | 1 |" <<<"$details"
	grep -qxF "| Artifact | \`sha256:$(sha model.bin)\` (file, 11 bytes) |" <<<"$details"
	grep -qx "| Registered | 20..-..-..T..:..:..\....Z by A U Thor <author@example.com> |" <<<"$details"
	grep -qxF "| Message | first |" <<<"$details"
	grep -qxF "| Aliases now | staging |" <<<"$details"
	grep -qxF "| Deprecated | no |" <<<"$details"
	grep -qxF "| Owners | A U Thor <author@example.com> (everyone in the event log of this model) |" <<<"$details"
}

@test "card: owners are every identity of the event log, first seen first" {
	GIT_AUTHOR_NAME=Bob GIT_AUTHOR_EMAIL=bob@example.com mlv promote churn@1 staging >/dev/null
	run mlv card churn@1
	grep -qxF "| Owners | A U Thor <author@example.com>, Bob <bob@example.com> (everyone in the event log of this model) |" <<<"$output"
}

@test "card: intended use from a tag, limitations not provided" {
	run mlv card churn@1
	[ "$status" -eq 0 ]
	[ "$(section "Intended use" <<<"$output")" = "Churn scoring for monthly plans
_Source: the version's tag._" ]
	[ "$(section "Limitations" <<<"$output")" = "**Not provided.** Record it with \`mlv register --tag limitations=...\` or \`\"card\": {\"limitations\": \"...\"}\` in mlv.json." ]
}

@test "card: texts from mlv.json, the model's entry before the project's, a tag before both" {
	cat > mlv.json <<'J'
{"card": {"intended_use": "anything", "limitations": "Trained on 2025 data only",
          "models": {"churn": {"limitations": "Monthly plans only"}, "other": {"limitations": "x"}}}}
J
	run mlv card churn@1
	[ "$status" -eq 0 ]
	[ "$(section "Intended use" <<<"$output" | head -1)" = "Churn scoring for monthly plans" ]
	[ "$(section "Limitations" <<<"$output")" = "Monthly plans only
_Source: the \"card\" section of mlv.json._" ]
	run mlv card --json churn@1
	[ "$(jq -c '[.intended_use, .limitations]' <<<"$output")" = \
		'[{"text":"Churn scoring for monthly plans","source":"tag"},{"text":"Monthly plans only","source":"mlv.json"}]' ]
	mlv register other model.bin >/dev/null
	run mlv card --json other@1
	[ "$(jq -c '[.intended_use, .limitations]' <<<"$output")" = \
		'[{"text":"anything","source":"mlv.json"},{"text":"x","source":"mlv.json"}]' ]
}

@test "card: training data with rows and columns of CSV and JSON Lines inputs" {
	run mlv card churn@1
	[ "$status" -eq 0 ]
	data=$(section "Training data" <<<"$output")
	grep -qxF "| 1 | data/train.csv | \`sha256:$(sha data/train.csv)\` | 16 bytes | 3 | 2 |" <<<"$data"
	grep -qxF "| 2 | data/extra.jsonl | \`sha256:$(sha data/extra.jsonl)\` | 16 bytes | 2 | 1 |" <<<"$data"
	run mlv card --json churn@1
	[ "$(jq -c '[.data[] | [.index, .path, .rows, .columns]]' <<<"$output")" = \
		'[[1,"data/train.csv",3,2],[2,"data/extra.jsonl",2,1]]' ]
}

@test "card: an input whose bytes are not in the store, and one that does not parse, are said so" {
	printf 'a,b\n1,2\n' > loose.csv
	printf 'a,b\n1\n' > bad.csv
	mlv track bad.csv >/dev/null
	git add -A && git commit -qm more
	train t3 loose.csv bad.csv
	mlv register churn model.bin --run t3 >/dev/null
	run mlv card churn@2
	[ "$status" -eq 0 ]
	data=$(section "Training data" <<<"$output")
	grep -qxF "| 1 | loose.csv | \`sha256:$(sha loose.csv)\` | 8 bytes | not in the store | |" <<<"$data"
	grep -qxF "| 2 | bad.csv | \`sha256:$(sha bad.csv)\` | 6 bytes | 'bad.csv', line 2: expected 2 fields, found 1 | |" <<<"$data"
	run mlv card --json churn@2
	[ "$(jq -c '[.data[] | .rows]' <<<"$output")" = '[null,null]' ]
}

@test "card: training procedure: run, code commit, environment, params" {
	run mlv card churn@1
	proc=$(section "Training procedure" <<<"$output")
	grep -qx -- "- Run: \`$RUN\` (t1), command \`mlv log-metric auc=0.91\`, started 20.*, took .*, exit status 0" <<<"$proc"
	grep -qxF -- "- Code: git commit \`$COMMIT\`" <<<"$proc"
	grep -q -- "^- Environment: Linux .*, [0-9]* x .*GiB memory" <<<"$proc"
	grep -qxF "| lr | 0.1 |" <<<"$proc"
}

@test "card: evaluation: metrics and the gates each promotion checked" {
	mlv promote churn@1 staging --gate 'metrics.auc >= 0.9' >/dev/null
	run mlv card churn@1
	ev=$(section "Evaluation" <<<"$output")
	grep -qxF "| auc | 0.91 |" <<<"$ev"
	grep -qx "| staging | 20.*Z | \`metrics.auc >= 0.9\` | command line | metrics.auc (0.91) >= 0.9 → true |" <<<"$ev"
	mlv register churn model.bin >/dev/null
	run mlv card churn@2
	grep -qxF "No gate was checked when this version was promoted." <<<"$(section "Evaluation" <<<"$output")"
}

@test "card: history lists the events of this version, and the alias moving away from it" {
	mlv register churn model.bin -m second >/dev/null
	mlv promote churn@1 production -m go >/dev/null
	mlv promote churn@2 production -m newer >/dev/null
	mlv deprecate churn@1 >/dev/null
	run mlv card churn@1
	hist=$(section "Promotion history" <<<"$output" | tail -n +3 | cut -d'|' -f2,4,6)
	[ "$hist" = " 1 | register | first 
 3 | promote production to 1 | go 
 4 | promote production to 2 (was 1) | newer 
 5 | deprecate |  " ]
	grep -qxF "| Deprecated | yes |" <<<"$output"
	run mlv card --json churn@1
	[ "$(jq -c '[.history[].seq]' <<<"$output")" = '[1,3,4,5]' ]
	[ "$(jq -r .schema <<<"$output")" = mlv.card/1 ]
	[ "$(jq -r .record.name <<<"$output")" = churn ]
	[ "$(jq -r .run.id <<<"$output")" = "$RUN" ]
	diff <(jq -j .markdown <<<"$output") <(mlv card churn@1)
}

@test "card: a version registered without --run says what is not recorded" {
	mlv register churn model.bin --metric auc=0.5 >/dev/null
	run mlv card churn@2
	[ "$status" -eq 0 ]
	[ "$(section "Training data" <<<"$output")" = "**Not recorded:** this version was registered without --run, so mlv does not know its data." ]
	grep -qxF -- "- Run: **not recorded** (registered without --run)" <<<"$output"
	grep -qxF -- "- Code: **not recorded** (no git commit)" <<<"$output"
	run mlv card --json churn@2
	[ "$(jq -c '[.run, .data]' <<<"$output")" = '[null,[]]' ]
}

@test "card: '|' in texts does not break the tables" {
	mlv register churn model.bin -m 'a|b' >/dev/null
	run mlv card churn@2
	grep -qxF '| Message | a\|b |' <<<"$output"
}

@test "card: mlv.json that is not JSON, or a card section of the wrong shape, is an error (128)" {
	printf '{"card": {\n  "limitations": }\n' > mlv.json
	run mlv card churn@1
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: 'mlv.json' is not valid JSON: line 2, column 18" ]
	echo '{"card": []}' > mlv.json
	run mlv card churn@1
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: 'mlv.json': \"card\" must be an object" ]
	echo '{"card": {"models": {"churn": {"limitations": 3}}}}' > mlv.json
	run mlv card churn@1
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: 'mlv.json': \"card.models.churn.limitations\" must be a string" ]
}

@test "card: unknown model or version (128), usage (129)" {
	run mlv card nope@1
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: no model 'nope'" ]
	run mlv card churn@2
	[ "$status" -eq 128 ]
	[ "$output" = "mlv: error: model 'churn' has no version 2" ]
	run mlv card
	[ "$status" -eq 129 ]
	run mlv card -h
	[ "$status" -eq 129 ]
	[ "${lines[0]}" = "usage: mlv card [--json] <name>@<version|alias|latest>" ]
}
