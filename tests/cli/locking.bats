#!/usr/bin/env bats
# Several mlv commands on one store: a writer waits for a lock (it does not
# fail), and after MLV_LOCK_TIMEOUT it gives up with a clear message and
# without harming anything.

load helper
load plumbing

@test "locking: a writer waits for gc's lock, then succeeds" {
	store_init
	printf 'data\n' > f
	# hold the gc lock exclusively for a moment, as a running gc would
	flock -x .mlv/locks/gc.lock sleep 1 &
	sleep 0.2
	run --separate-stderr mlv hash-object -w f
	wait
	assert_status 0
	assert_eq "$output" "$(sha f)"
	assert_eq "$(mlv cat-object -p "$output")" "data"
	assert_fsck_clean
}

@test "locking: after the timeout a writer fails cleanly and stores nothing" {
	store_init
	printf 'data\n' > f
	flock -x .mlv/locks/gc.lock sleep 3 &
	sleep 0.2
	MLV_LOCK_TIMEOUT=0.3 run --separate-stderr mlv hash-object -w f
	assert_status 128
	[[ "$stderr" == "mlv: error: the store (gc is running) is busy: another mlv command has held it for 0.3 s; retry later" ]]
	assert_eq "$output" ""
	wait
	run mlv cat-object -e "$(sha f)"
	assert_status 1
	assert_fsck_clean
	assert_eq "$(cat f)" "data"
}

@test "locking: the index write lock held by another process makes a writer wait" {
	store_init
	printf 'x\n' > f
	flock -x .mlv/locks/write.lock sleep 1 &
	sleep 0.2
	start=$(date +%s%N)
	run mlv hash-object -w f
	end=$(date +%s%N)
	wait
	assert_status 0
	# it waited for the holder rather than failing at once
	[ $(( (end - start) / 1000000 )) -ge 500 ]
	assert_fsck_clean
}

@test "locking: a process killed while holding a lock does not block the next command" {
	store_init
	printf 'y\n' > f
	# -o: only the flock process holds the lock, so killing it is killing the holder
	flock -o -x .mlv/locks/write.lock sleep 5 >/dev/null 2>&1 3>&- &
	holder=$!
	sleep 0.2
	kill -9 "$holder"
	wait "$holder" || true
	start=$(date +%s)
	MLV_LOCK_TIMEOUT=5 run mlv hash-object -w f
	assert_status 0
	[ $(( $(date +%s) - start )) -lt 5 ]
	assert_fsck_clean
}
