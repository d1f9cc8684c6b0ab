#!/usr/bin/env bats
# Concurrency: many mlv processes on one store at once (tracking the same and
# overlapping data, promoting and rolling back one alias, gc in a loop
# beside them), and processes killed while they hold the write lock. The only
# error allowed is the documented "busy ... retry later" after the lock wait
# times out; no update is lost, no object a pointer or a model names is ever
# missing, and the command after a kill succeeds within 5 seconds. The long
# forms (tests/stress/concurrency.sh) run this file with more processes and
# rounds: MLV_STRESS_TRACKERS, MLV_STRESS_PROMOTERS, MLV_STRESS_ROUNDS.

load helper
load plumbing
load data
load registry

# every pointer's object and every model version can be read whole
assert_reachable() {
	local p oid kind spec
	for p in $(find . \( -path ./.git -o -path ./.mlv \) -prune -o -name '*.mlv' -print); do
		oid=$(oid_in "$p")
		kind=$(sed -n 's/.*"kind":"\([a-z]*\)".*/\1/p' "$p")
		if [ "$kind" = dir ]; then
			mlv ls-tree -r "$oid" >/dev/null || { echo "tree of $p is missing" >&2; return 1; }
		else
			mlv cat-object blob "$oid" >/dev/null || { echo "object of $p is missing" >&2; return 1; }
		fi
	done
	for spec in $(mlv models --json | jq -r '.models[] | .name as $m | range(1; .latest + 1) | "\($m)@\(.)"'); do
		mlv get "$spec" >/dev/null || { echo "$spec cannot be read" >&2; return 1; }
	done
}

# only exit 0, or 128 with the documented busy message, in the logs $@
assert_ok_or_busy() {
	local f
	for f in "$@"; do
		[ -s "$f" ] || continue
		if grep -v -e 'is busy: another mlv command has held it for .* s; retry later$' \
			-e "^mlv: error: alias '.*' moved by .* while this command ran; nothing was recorded$" "$f" | grep -q .; then
			echo "unexpected error in $f: $(cat "$f")" >&2
			return 1
		fi
	done
}

@test "concurrency: 32 processes tracking the same and overlapping data into one store" {
	repo_init
	noise 400000 >base
	for i in $(seq 1 16); do
		# each file shares most of its chunks with the others
		{ head -c 200000 base; printf 'file %d\n' "$i"; tail -c 150000 base; } >"f$i"
	done
	mkdir shared && cp base shared/a && cp f1 shared/b
	pids=()
	for i in $(seq 1 "${MLV_STRESS_TRACKERS:-32}"); do
		if [ $((i % 2)) -eq 0 ]; then
			# half track one file of their own and the shared directory
			mlv track -q "f$((i / 2 % 16 + 1))" shared 2>"err$i" &
		else
			# half track the same three files
			mlv track -q f1 f2 f3 2>"err$i" &
		fi
		pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
	assert_ok_or_busy err*
	[ "$fails" -eq 0 ] || { echo "$fails failed: $(cat err*)" >&2; return 1; }
	assert_fsck_clean
	assert_reachable
	for i in $(seq 1 16); do
		assert_eq "$(cat "f$i.mlv")" "$(ptr_file "f$i")" "pointer of f$i"
	done
	rm -f f7 && mlv checkout -q f7 && cmp f7 <(head -c 200000 base; printf 'file 7\n'; tail -c 150000 base)
}

@test "concurrency: 64 processes promoting and rolling back one alias: one chain, no lost move" {
	reg_init
	for i in 1 2 3 4; do reg_model churn "v$i"; done
	mlv promote churn@1 production >/dev/null
	base=$(mlv history churn --json | jq '.events | length')
	pids=()
	n=${MLV_STRESS_PROMOTERS:-64}
	for i in $(seq 1 "$n"); do
		if [ $((i % 3)) -eq 0 ]; then
			mlv rollback churn production >"out$i" 2>"err$i" &
		else
			mlv promote "churn@$((i % 4 + 1))" production >"out$i" 2>"err$i" &
		fi
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
	# the documented refusals: a lost compare-and-swap (the alias moved
	# while the command ran; nothing recorded), busy after the wait
	for i in $(seq 1 "$n"); do
		if [ -s "err$i" ] && ! grep -q -e 'is busy' -e 'while this command ran; nothing was recorded$' -e 'has no earlier holder to roll back to' "err$i"; then
			echo "process $i: $(cat "err$i")" >&2
			return 1
		fi
	done
	# every process that said it moved the alias has its own event
	moves=$(cat out* | grep -c ' -> \|^production: churn@[0-9]*$' || true)
	events=$(mlv history churn --json | jq '.events | length')
	echo "# $n promote/rollback: $moves moves reported, $((events - base)) events recorded" >&3
	assert_eq "$((events - base))" "$moves" "events recorded for the moves reported: $(cat out*)"
	# one chain: seq 1..N, each event's prev is the one before
	mlv history churn --json | jq -e '.events as $e | [range(1; $e | length) | $e[.].prev == $e[. - 1].id and $e[.].seq == $e[. - 1].seq + 1] | all' >/dev/null
	assert_fsck_clean
	assert_reachable
}

@test "concurrency: gc in a loop while tracks and promotes run: nothing reachable goes missing" {
	repo_init
	git commit -q --allow-empty -m init
	for i in 1 2; do reg_model churn "v$i"; done
	printf '/model.bin\n' >>.git/info/exclude
	touch stop
	( while [ -e stop ]; do mlv gc --prune=3.seconds.ago >/dev/null 2>>gc.err || echo "gc exit $?" >>gc.err; done ) &
	gcpid=$!
	pids=()
	for i in $(seq 1 8); do
		( for j in $(seq 1 "${MLV_STRESS_ROUNDS:-3}"); do
			noise 60000 "$(printf '%032x' $((i * 10 + j)))" >"t$i"
			mlv track -q "t$i" || exit 1
		done ) 2>"terr$i" &
		pids+=($!)
		mlv promote "churn@$((i % 2 + 1))" production >/dev/null 2>"perr$i" &
		pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
	rm stop
	wait "$gcpid"
	assert_ok_or_busy terr* perr* gc.err
	# every track completed (a promote may lose its compare-and-swap)
	[ "$(cat terr*)" = "" ] || { echo "tracks failed: $(cat terr*)" >&2; return 1; }
	assert_fsck_clean
	assert_reachable
	for i in $(seq 1 8); do
		rm "t$i" && mlv checkout -q "t$i" && [ "$(sha_of "t$i")" = "$(oid_in "t$i.mlv")" ]
	done
}

@test "concurrency: a process killed holding the write lock: the next command succeeds within 5 s" {
	reg_init
	reg_model churn one
	reg_model churn two
	# find the index commit of promote: killed there, it holds the lock and an open write transaction
	MLV_FAULT_LOG="$PWD/points" mlv promote churn@1 staging >/dev/null
	n=$(grep -n ' commit ' points | tail -1 | cut -d: -f1)
	run env MLV_FAULT_AT="$n" mlv promote churn@2 production
	[ "$status" -eq 137 ] || { echo "not killed: $status" >&2; return 1; }
	start=$(date +%s%N)
	run --separate-stderr mlv promote churn@2 production
	assert_status 0
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	echo "# next command after a kill in the write transaction: ${elapsed_ms} ms" >&3
	[ "$elapsed_ms" -lt 5000 ]
	assert_fsck_clean
	# a live holder: the waiter gives up with the documented message after its timeout
	flock .mlv/locks/write.lock sleep 3 &
	holder=$!
	sleep 0.3
	run --separate-stderr env MLV_LOCK_TIMEOUT=0.5 mlv promote churn@1 production
	assert_status 128
	assert_eq "$stderr" "mlv: error: the index is busy: another mlv command has held it for 0.5 s; retry later"
	# killed with kill -9 while it holds the lock: the next command goes through at once
	kill -9 "$holder"
	wait "$holder" || true
	start=$(date +%s%N)
	run --separate-stderr mlv promote churn@1 production
	assert_status 0
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	[ "$elapsed_ms" -lt 5000 ]
	assert_fsck_clean
}

@test "concurrency: fsck --full while gc removes and repacks packs reports no false damage" {
	repo_init
	for i in $(seq 1 6); do noise 200000 "$(printf '%032x' "$i")" >"k$i"; done
	mlv track -q k1 k2 k3 k4 k5 k6
	touch stop
	# garbage made and collected over and over: old packs keep disappearing
	( i=100; while [ -e stop ]; do
		i=$((i + 1))
		noise 100000 "$(printf '%032x' "$i")" >g && mlv track -q g && rm g g.mlv
		mlv gc --prune=now >/dev/null
	done ) 2>bg.err &
	bg=$!
	for n in $(seq 1 "${MLV_STRESS_FSCKS:-15}"); do
		run --separate-stderr mlv fsck --full
		if [ "$status" -ne 0 ] || [ -n "$output" ]; then
			rm -f stop
			wait "$bg" || true
			echo "fsck $n during gc: exit $status: $output" >&2
			return 1
		fi
	done
	rm stop
	wait "$bg"
	assert_ok_or_busy bg.err
	assert_fsck_clean
}
