#!/usr/bin/env bats
# mlv run, log-metric, log-param: what is recorded (exact JSON fields), the
# exit status passed through, streams tee'd and captured, and every bad input
# of issue 4: command not found, killed by a signal, Ctrl-C, log-metric
# outside a run, non-numeric values, nan/inf, a param changed, a metrics file
# that is not JSON; gc keeps runs.

load helper
load plumbing
load data

setup() {
	mlv_setup
	export MLV_RUN_NO_PYTHON=1
	git init -q && mlv init -q
	git commit -q --allow-empty -m init
}

teardown() {
	mlv_teardown
}

# The id of the only run (or the newest).
last_run() {
	mlv runs --json | jq -r '.runs[0].id'
}

# record FILTER: jq FILTER applied to the newest run's record.
record() {
	mlv show --json "$(last_run)" | jq -c ".run | $1"
}

@test "run: stdout and stderr are tee'd and captured; exit status, params, name, command recorded" {
	run --separate-stderr mlv run -n base -p lr=0.1 -p model=xgb -- sh -c 'printf "out\n"; printf "err\n" >&2; exit 3'
	assert_status 3
	assert_eq "$output" "out"
	id=$(last_run)
	[[ "$id" =~ ^[0-9a-f]{32}$ ]]
	assert_eq "$stderr" "err
run ${id:0:8} (base): exit 3, $(record .duration_ms)ms"
	assert_eq "$(mlv show "$id:stdout")" "out"
	assert_eq "$(mlv show base:stderr)" "err"
	assert_eq "$(record .status)" 3
	assert_eq "$(record .name)" '"base"'
	assert_eq "$(record .params)" '{"lr":"0.1","model":"xgb"}'
	assert_eq "$(record .command)" '["sh","-c","printf \"out\\n\"; printf \"err\\n\" >&2; exit 3"]'
	assert_eq "$(record .schema)" '"mlv.run/1"'
	assert_eq "$(record .id)" "\"$id\""
	assert_eq "$(record '.stdout.size')" 4
	[[ "$(record .start)" =~ ^\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z\"$ ]]
	assert_eq "$(record '.end_ms - .start_ms >= 0')" true
	assert_eq "$(record '.git.commit')" "\"$(git rev-parse HEAD)\""
	assert_eq "$(record '.git.dirty')" false
	assert_eq "$(record '.env.os')" '"Linux"'
	assert_eq "$(record '.env.cpu.count > 0')" true
	assert_eq "$(record '.env.memory_bytes > 0')" true
	# nothing is left in .mlv/runs once recorded
	assert_eq "$(ls .mlv/runs)" ""
	# the record is canonical JSON: what was stored is what jq -S -c prints
	oid=$(mlv show --json base | jq -r .record)
	mlv cat-object json "${oid#sha256:}" >rec.json
	assert_eq "$(jq -S -c . rec.json)" "$(cat rec.json)"
	assert_fsck_clean
}

@test "run: the record is canonical JSON, stored as type json" {
	mlv run -- true 2>/dev/null
	oid=$(mlv show --json "$(last_run)" | jq -r .record)
	assert_eq "$(mlv cat-object -t "${oid#sha256:}")" json
	mlv cat-object json "${oid#sha256:}" | sha256sum | cut -d' ' -f1 | { read -r h; assert_eq "sha256:$h" "$oid"; }
}

@test "run: MLV_RUN_ID is set inside; log-metric keeps history by step, latest is the greatest step" {
	run --separate-stderr mlv run -- sh -c '
		echo "$MLV_RUN_ID"
		mlv log-metric loss=0.9 acc=0.5
		mlv log-metric loss=0.7
		mlv log-metric --step 10 loss=0.2
		mlv log-metric --step 5 loss=0.4
		mlv log-metric loss=0.1'
	assert_status 0
	id=$(last_run)
	assert_eq "$output" "$id"
	# no --step: one more than the greatest step of the key so far
	assert_eq "$(record '[.metrics.loss.history[] | [.[0], .[1]]]')" '[[0,0.9],[1,0.7],[5,0.4],[10,0.2],[11,0.1]]'
	assert_eq "$(record .metrics.loss.latest)" 0.1
	assert_eq "$(record .metrics.loss.step)" 11
	assert_eq "$(record .metrics.acc)" "$(record '{history:[[0,0.5,.metrics.acc.history[0][2]]],latest:0.5,step:0}')"
}

@test "run: log-param adds params; the same value again is fine; another value is refused (128) and not recorded" {
	run --separate-stderr mlv run -p lr=0.1 -- sh -c '
		mlv log-param opt=adam || exit 10
		mlv log-param opt=adam || exit 11
		mlv log-param lr=0.1 || exit 12
		mlv log-param lr=0.2; echo "lr:$?"
		mlv log-param opt=sgd epochs=3; echo "opt:$?"'
	assert_status 0
	assert_eq "$output" "lr:128
opt:128"
	[[ "$stderr" == *"mlv: error: param 'lr' is already '0.1'; a param cannot change during a run (refused '0.2')"* ]]
	[[ "$stderr" == *"mlv: error: param 'opt' is already 'adam'; a param cannot change during a run (refused 'sgd')"* ]]
	# the whole call was refused: epochs was not logged either
	assert_eq "$(record .params)" '{"lr":"0.1","opt":"adam"}'
}

@test "run: -p with the same key twice and different values is refused before the command runs" {
	run --separate-stderr mlv run -p a=1 -p a=2 -- touch ran
	assert_status 128
	assert_eq "$stderr" "mlv: error: param 'a' is already '1'; a param cannot change during a run (refused '2')"
	[ ! -e ran ]
	assert_eq "$(mlv runs --json | jq -c .runs)" "[]"
	assert_eq "$(ls .mlv/runs)" ""
}

@test "log-metric: outside a run, an inactive run, a non-numeric value, a bad key: 128 and a clear message" {
	run --separate-stderr mlv log-metric loss=0.5
	assert_status 128
	assert_eq "$stderr" "mlv: error: not inside a run: MLV_RUN_ID is not set (start the command with 'mlv run -- <cmd>')"
	run --separate-stderr env MLV_RUN_ID=0123456789abcdef0123456789abcdef mlv log-metric loss=0.5
	assert_status 128
	assert_eq "$stderr" "mlv: error: run 0123456789abcdef0123456789abcdef is not active (it has ended, or was never started here)"
	run --separate-stderr mlv run -- sh -c 'mlv log-metric loss=abc; echo $?; mlv log-metric loss=0x10; echo $?;
		mlv log-metric ok=1 loss=; echo $?; mlv log-metric "b@d=1"; echo $?; mlv log-metric loss; echo $?'
	assert_eq "$output" "128
128
128
128
128"
	[[ "$stderr" == *"mlv: error: 'abc' is not a number"* ]]
	[[ "$stderr" == *"mlv: error: '0x10' is not a number"* ]]
	[[ "$stderr" == *"mlv: error: metric key 'b@d' is not valid (letters, digits, '_', '-', '.', '/')"* ]]
	[[ "$stderr" == *"mlv: error: metric 'loss' is not <key>=<value>"* ]]
	# nothing of a refused call is logged, not even its good values
	assert_eq "$(record .metrics)" '{}'
	run mlv log-metric
	assert_status 129
}

@test "log-metric: nan and inf are accepted, recorded as strings and shown as such" {
	mlv run -- sh -c 'mlv log-metric loss=NaN up=inf down=-Infinity' 2>/dev/null
	assert_eq "$(record '[.metrics.loss.latest, .metrics.up.latest, .metrics.down.latest]')" '["nan","inf","-inf"]'
	run mlv show "$(last_run)"
	[[ "$output" == *"  loss = nan  (step 0, 1 values)"* ]]
	[[ "$output" == *"  up = inf  (step 0, 1 values)"* ]]
	run mlv runs --columns id,metrics.loss,metrics.down
	assert_eq "${lines[1]:10}" "nan           -inf"
}

@test "run: command not found is recorded with status 127 and a clear message" {
	run -127 --separate-stderr mlv run -n missing -- no-such-command-xyz arg
	assert_status 127
	id=$(last_run)
	assert_eq "$stderr" "mlv: error: cannot run 'no-such-command-xyz': command not found
run ${id:0:8} (missing): exit 127, $(record .duration_ms)ms"
	assert_eq "$(record .status)" 127
	assert_eq "$(record .error)" '"command not found"'
	assert_eq "$(record .command)" '["no-such-command-xyz","arg"]'
}

@test "run: a command killed by a signal is recorded with 128+N and the signal" {
	run --separate-stderr mlv run -- sh -c 'kill -KILL $$'
	assert_status 137
	assert_eq "$(record .status)" 137
	assert_eq "$(record .signal)" 9
	assert_eq "$(record .interrupted)" null
}

@test "run: Ctrl-C (SIGINT to the process group) reaches the command; the run is recorded as interrupted" {
	# the command records that it got the signal, then ends by it
	cat >child.sh <<'EOS'
trap 'echo got-int >got; trap - INT; kill -INT $$' INT
echo ready >ready
while :; do sleep 0.05; done
EOS
	command -v python3 >/dev/null || skip "no python3 to start a process group with SIGINT at its default"
	# a background job of a script starts with SIGINT ignored, and an ignored
	# signal stays ignored through exec: give the run a terminal's defaults
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' mlv run -n ctrlc -- sh child.sh >out 2>err &
	pid=$!
	for _ in $(seq 100); do [ -e ready ] && break; sleep 0.05; done
	[ -e ready ]
	kill -INT -- -"$pid"
	wait "$pid" || st=$?
	assert_eq "${st:-0}" 130
	assert_eq "$(cat got)" got-int
	assert_eq "$(record .interrupted)" true
	assert_eq "$(record .status)" 130
	assert_eq "$(record .signal)" 2
	grep -q "^run .* (ctrlc): exit 130, .*, interrupted$" err
}

@test "run: Ctrl-C while the command floods its output is still recorded, not fatal to mlv" {
	# While a stream is readable ppoll() returns without delivering a pending
	# signal; mlv must still take it (the run is recorded as interrupted)
	# instead of dying of it when its handlers are reset. The scheduler decides
	# whether the signal lands in that window; this covers the path.
	command -v python3 >/dev/null || skip "no python3 to start a process group with SIGINT at its default"
	cat >child.py <<'EOS'
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
block = b"x" * 65536
for _ in range(64):
    sys.stdout.buffer.write(block)
    sys.stdout.buffer.flush()
os.killpg(0, signal.SIGINT)
EOS
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' mlv run -n flood -- python3 child.py >out 2>err || st=$?
	assert_eq "${st:-0}" 130
	assert_eq "$(wc -c <out)" 4194304
	assert_eq "$(record .interrupted)" true
	assert_eq "$(record .signal)" 2
	grep -q "^run .* (flood): exit 130, .*, interrupted$" err
}

@test "run: --metrics JSON (nested, flattened), CSV and key-value files are read when the command ends" {
	cat >m.json <<'EOS'
{"auc": 0.91, "val": {"loss": 0.25, "f1": {"macro": 0.5}}, "note": "text"}
EOS
	printf 'step,key,value\n0,lr,0.1\n1,lr,0.05\n' >m.csv
	printf 'rmse 1.5\n# comment\nmae 0.75\n' >m.txt
	run --separate-stderr mlv run --metrics m.json --metrics m.csv --metrics m.txt -- true
	assert_status 0
	assert_eq "$(record '[.metrics | to_entries[] | [.key, .value.latest, .value.step]]')" \
		'[["auc",0.91,0],["lr",0.05,1],["mae",0.75,0],["rmse",1.5,0],["val.f1.macro",0.5,0],["val.loss",0.25,0]]'
	[[ "$stderr" == "mlv: warning: metrics file 'm.json': 1 value(s) that are not numbers ignored"* ]]
}

@test "run: a --metrics file that is not valid JSON: the run is recorded, with a warning naming the file and byte" {
	printf '{"auc": 0.9,\n "loss": }\n' >bad.json
	run --separate-stderr mlv run -n bad --metrics bad.json -- sh -c 'mlv log-metric x=1'
	assert_status 0
	id=$(last_run)
	assert_eq "$stderr" "mlv: warning: metrics file 'bad.json' is not valid JSON (at byte 22); no metrics read from it
run ${id:0:8} (bad): exit 0, $(record .duration_ms)ms"
	assert_eq "$(record '.metrics | keys')" '["x"]'
	assert_eq "$(record .warnings)" '["metrics file '\''bad.json'\'' is not valid JSON (at byte 22); no metrics read from it"]'
	# a missing file is a warning too
	run --separate-stderr mlv run --metrics nope.json -- true
	assert_status 0
	[[ "$stderr" == "mlv: warning: cannot read --metrics 'nope.json': No such file or directory; no metrics read from it"* ||
	   "$stderr" == "mlv: warning: cannot read --metrics 'nope.json': no such file or directory; no metrics read from it"* ]]
}

@test "run: --dep records the pointer's id for tracked data and the hash of a plain file; --out is stored" {
	printf 'a,b\n1,2\n' >train.csv
	mlv track -q train.csv
	printf 'cfg\n' >config.yaml
	run --separate-stderr mlv run --dep train.csv --dep config.yaml --out model.bin --out outdir --out absent -- \
		sh -c 'printf model >model.bin; mkdir outdir; printf x >outdir/a; printf y >outdir/b'
	assert_status 0
	assert_eq "$(record '.deps')" "[{\"kind\":\"file\",\"oid\":\"sha256:$(sha train.csv)\",\"path\":\"train.csv\",\"size\":8,\"tracked\":true},{\"kind\":\"file\",\"oid\":\"sha256:$(sha config.yaml)\",\"path\":\"config.yaml\",\"size\":4,\"tracked\":false}]"
	assert_eq "$(record '.outs[0]')" "{\"kind\":\"file\",\"oid\":\"sha256:$(sha model.bin)\",\"path\":\"model.bin\",\"size\":5}"
	assert_eq "$(record '.outs[1] | [.kind, .files, .size, .oid]')" "[\"dir\",2,2,\"sha256:$(mlv hash-object -w outdir)\"]"
	assert_eq "$(record '.outs[2]')" '{"missing":true,"path":"absent"}'
	[[ "$stderr" == "mlv: warning: --out 'absent' does not exist; not stored"* ]]
	mlv cat-object blob "$(sha model.bin)" | cmp - model.bin
	# a missing dependency stops the run before the command
	run --separate-stderr mlv run --dep nothere -- touch ran
	assert_status 128
	assert_eq "$stderr" "mlv: error: dependency 'nothere' does not exist"
	[ ! -e ran ]
}

@test "run: a dirty work tree records dirty and stores git diff HEAD" {
	printf 'one\n' >code.py
	git add code.py && git commit -q -m code
	printf 'two\n' >code.py
	printf 'untracked\n' >new.py
	mlv run -- true 2>/dev/null
	assert_eq "$(record .git.dirty)" true
	diff=$(record .git.diff | tr -d '"')
	[[ "$diff" == sha256:* ]]
	mlv cat-object blob "${diff#sha256:}" >got.diff
	git diff HEAD >want.diff
	cmp got.diff want.diff
	# untracked files are not in it
	! grep -q untracked got.diff
}

@test "run: gc --prune=now keeps the record, its streams and outputs" {
	mlv run -n keep --out o.txt -- sh -c 'echo kept; printf data >o.txt' >/dev/null 2>&1
	oid=$(mlv show --json keep | jq -r .record)
	mlv gc --prune=now >/dev/null
	assert_eq "$(mlv show keep:stdout)" kept
	mlv cat-object -t "${oid#sha256:}"
	mlv cat-object blob "$(sha o.txt)" | cmp - o.txt
	assert_fsck_clean
}

@test "run: python3 on PATH is recorded as a best effort" {
	command -v python3 >/dev/null || skip "no python3"
	unset MLV_RUN_NO_PYTHON
	# A probe gets 2 s, or as long as the command runs: 4 s leave room for a
	# slow python3 on a loaded machine (once, 'true' left too little).
	mlv run -- sleep 4 2>/dev/null
	assert_eq "$(record '.env.python.best_effort')" true
	assert_eq "$(record '.env.python.version')" "\"$(python3 -c 'import sys; print(sys.version.split()[0])')\""
	assert_eq "$(record '.env.python.packages | type')" '"array"'
}

@test "log-metric: 1,000 calls in a shell loop inside a run are all recorded" {
	mlv run -n loop -- sh -c '
		s=$(date +%s%N)
		i=0
		while [ $i -lt 1000 ]; do mlv log-metric x=$i; i=$((i + 1)); done
		e=$(date +%s%N)
		echo "log-metric: $((1000 * 1000000000 / (e - s))) calls/s" >rate' 2>/dev/null
	echo "# $(cat rate)" >&3
	assert_eq "$(record '.metrics.x.history | length')" 1000
	assert_eq "$(record '[.metrics.x.history[] | .[0] == (.[1] | floor)] | all')" true
	assert_eq "$(record .metrics.x.latest)" 999
}

@test "log-metric: concurrent calls do not interleave" {
	mlv run -- sh -c '
		for p in 1 2 3 4; do (i=0; while [ $i -lt 50 ]; do mlv log-metric --step $i "k$p=$i"; i=$((i + 1)); done) & done
		wait' 2>/dev/null
	for p in 1 2 3 4; do
		assert_eq "$(record ".metrics.k$p.history | length")" 50
	done
	assert_eq "$(record '.warnings')" null
}

@test "run: usage errors" {
	run mlv run
	assert_status 129
	run mlv run --bogus -- true
	assert_status 129
}

@test "run --tag: tags are recorded, shown, listed, filtered as tags.K, and key=value is a spec" {
	MLV_TEST_RUN_ID=aaaa0000000000000000000000000001 mlv run -n a -t stage=baseline -t owner=ana -- true 2>/dev/null
	sleep 0.01
	MLV_TEST_RUN_ID=bbbb0000000000000000000000000002 mlv run -n b --tag stage=tuned -- true 2>/dev/null
	sleep 0.01
	MLV_TEST_RUN_ID=cccc0000000000000000000000000003 mlv run -n c -- true 2>/dev/null
	assert_eq "$(mlv show --json a | jq -c .run.tags)" '{"owner":"ana","stage":"baseline"}'
	# a run without tags has no tags member
	assert_eq "$(mlv show --json c | jq -c .run.tags)" null
	run mlv show a
	[[ "$output" == *"
tags
  owner = ana
  stage = baseline
"* ]]
	assert_eq "$(mlv runs --json | jq -c '[.runs[] | .tags]')" '[null,{"stage":"tuned"},{"owner":"ana","stage":"baseline"}]'
	assert_eq "$(mlv runs --columns name,tags.stage,tags.owner)" "name  tags.stage  tags.owner
c     -           -
b     tuned       -
a     baseline    ana"
	# the default columns end with the tags
	assert_eq "$(mlv runs | head -1)" "id        start                name  status  duration  tags.owner  tags.stage"
	assert_eq "$(mlv runs --json --filter 'tags.stage == "baseline" or tags.owner == "bob"' | jq -r '[.runs[].name] | join(" ")')" a
	assert_eq "$(mlv runs --json --filter 'tags.stage != "baseline"' | jq -r '[.runs[].name] | join(" ")')" b
	assert_eq "$(mlv runs --json --filter 'tags.stage == null' | jq -r '[.runs[].name] | join(" ")')" c
	# key=value names the newest run tagged so; a name is tried first
	assert_eq "$(mlv show --json stage=tuned | jq -r .id)" bbbb0000000000000000000000000002
	MLV_TEST_RUN_ID=dddd0000000000000000000000000004 mlv run -n stage=tuned -- true 2>/dev/null
	assert_eq "$(mlv show --json stage=tuned | jq -r .id)" dddd0000000000000000000000000004
	run --separate-stderr mlv show stage=nope
	assert_status 128
	assert_eq "$stderr" "mlv: error: no run 'stage=nope' (neither a run id, a run name nor a tag)"
}

@test "run --tag: a bad tag is refused before the command runs, and nothing is recorded" {
	for bad in 'a=1 -t a=2' 'noequals' 'b@d=1' '=v'; do
		# shellcheck disable=SC2086
		run --separate-stderr mlv run -t $bad -- touch ran
		assert_status 128
		[ ! -e ran ]
	done
	run --separate-stderr mlv run -t a=1 -t a=2 -- touch ran
	assert_eq "$stderr" "mlv: error: tag 'a' is already '1'; a tag cannot change during a run (refused '2')"
	run --separate-stderr mlv run -t noequals -- touch ran
	assert_eq "$stderr" "mlv: error: tag 'noequals' is not <key>=<value>"
	run --separate-stderr mlv run -t 'b@d=1' -- touch ran
	assert_eq "$stderr" "mlv: error: tag key 'b@d' is not valid (letters, digits, '_', '-', '.', '/')"
	assert_eq "$(mlv runs --json | jq -c .runs)" "[]"
	assert_eq "$(ls .mlv/runs)" ""
	# the same tag twice with the same value is fine
	mlv run -t a=1 -t a=1 -- true 2>/dev/null
	assert_eq "$(record .tags)" '{"a":"1"}'
}
