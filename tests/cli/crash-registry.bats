#!/usr/bin/env bats
# Crash-point sweeps of the registry commands (register, promote, rollback)
# and of run: every injection point of the I/O layer, killed and failed with
# ENOSPC and EIO; see crash.bash for what is checked each time (the registry
# as before or as after, never in between).

load helper
load plumbing
load registry
load crash

setup() {
	mlv_setup
	reg_init
	printf '/model.bin\n/out.txt\n/metrics.json\n' >>.git/info/exclude
	reg_model churn one --metric auc=0.90
	reg_model churn two --metric auc=0.92
	mlv promote -q churn@1 production 2>/dev/null || mlv promote churn@1 production >/dev/null
}

@test "crash sweep: register of a file with metrics" {
	noise 120000 >model.bin
	sweep "register (file)" once mlv register churn model.bin --metric auc=0.95 -m third
}

@test "crash sweep: register of a directory" {
	mkdir model && noise 80000 >model/weights && printf '{"layers":3}\n' >model/config.json
	sweep "register (directory)" once mlv register churn model
}

@test "crash sweep: promote moves an alias" {
	sweep "promote" once mlv promote churn@2 production -m better
}

@test "crash sweep: rollback moves an alias back" {
	mlv promote churn@2 production >/dev/null
	sweep "rollback" once mlv rollback churn production -m revert
}

@test "crash sweep: run records a run with an output and metrics" {
	printf 'input\n' >in.txt
	sweep "run" once mlv run -n r1 -p lr=0.1 --dep in.txt --out out.txt --metrics metrics.json -- \
		sh -c 'printf "out\n" >out.txt; printf "{\"auc\":0.9}\n" >metrics.json'
}
