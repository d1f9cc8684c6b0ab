#!/usr/bin/env bats
# What every mlv process loads at start-up: only the C library. libgit2,
# libcjson and libm are loaded on first use, LMDB, zstd and libcrypto are
# linked in, so that a short command such as `mlv log-metric`, called in a
# loop, pays for none of them (bench/runs.sh). The JSON, math and git paths
# still work through the lazy loading.

load helper
load plumbing

setup() {
	mlv_setup
}

teardown() {
	mlv_teardown
}

@test "startup: mlv needs no shared library but the C library (and the sanitizers' in that build)" {
	run --separate-stderr readelf -d "$MLV_BIN"
	assert_status 0
	needed=$(grep -o 'Shared library: \[[^]]*\]' <<<"$output" | sed 's/.*\[\(.*\)\]/\1/' | sort | paste -sd' ')
	for lib in $needed; do
		case "$lib" in
		libc.so.* | ld-linux*.so.* | libasan.so.* | libubsan.so.*) ;;
		*) echo "mlv needs $lib at start-up (needed: $needed)" >&2; return 1 ;;
		esac
	done
	[[ " $needed " == *" libc.so."* ]]
}

@test "startup: the lazily loaded libraries work: JSON, math (drift) and git" {
	export MLV_RUN_NO_PYTHON=1
	git init -q && mlv init -q
	{ echo x; for i in $(seq 1 200); do echo "$i.5"; done; } >a.csv
	{ echo x; for i in $(seq 50 249); do echo "$i.25"; done; } >b.csv
	run --separate-stderr mlv drift a.csv b.csv --json
	assert_status 1 # drifted
	# scipy.stats.ks_2samp of 1.5..200.5 against 50.25..249.25 gives 0.245, p 1.1150402145378719e-05
	assert_eq "$(jq -r '.columns[0] | "\(.test) \(.statistic) \(.p_value)"' <<<"$output")" "ks 0.245 1.1150402145378719e-05"
	mlv run -n j -- mlv log-metric auc=0.5 2>/dev/null
	assert_eq "$(mlv show --json j | jq -r '.run.metrics.auc.latest')" "0.5"
	# mlv log walks git history with libgit2
	mlv track -q a.csv && git add a.csv.mlv .gitignore && git commit -q -m one
	assert_eq "$(mlv log --json a.csv | jq -r '.versions[0].commit')" "$(git rev-parse HEAD)"
}

@test "startup: a library that cannot be loaded is a fatal error that harms nothing" {
	export MLV_RUN_NO_PYTHON=1
	mlv init -q
	{ echo x; for i in $(seq 1 50); do echo "$i"; done; } >a.csv
	mlv track -q a.csv
	before=$(cd .mlv && find . -type f ! -name lock.mdb -exec sha256sum {} + | sort)
	run --separate-stderr env MLV_TEST_LIBCJSON=libmlv-nope.so.1 mlv status --json
	assert_status 128
	[[ "$stderr" == "mlv: error: cannot load libmlv-nope.so.1: "* ]]
	assert_eq "$output" ""
	run --separate-stderr env MLV_TEST_LIBM=libmlv-nope.so.6 mlv drift a.csv a.csv
	assert_status 128
	[[ "$stderr" == "mlv: error: cannot load libmlv-nope.so.6: "* ]]
	# a command that needs neither still works without them
	run --separate-stderr env MLV_TEST_LIBCJSON=libmlv-nope.so.1 MLV_TEST_LIBM=libmlv-nope.so.6 mlv --version
	assert_status 0
	assert_eq "$before" "$(cd .mlv && find . -type f ! -name lock.mdb -exec sha256sum {} + | sort)"
	run --separate-stderr mlv status --exit-code
	assert_status 0
}
