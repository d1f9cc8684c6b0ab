#!/usr/bin/env bash
# Long form of tests/cli/concurrency.bats: the same scenarios with more
# processes and rounds, repeated.
#
#   tests/stress/concurrency.sh [ROUNDS]      (default 5)
#   MLV=path/to/mlv (default build/mlv); MLV_STRESS_TRACKERS (default 96),
#   MLV_STRESS_PROMOTERS (default 256), MLV_STRESS_ROUNDS (tracks per job
#   during the gc loop, default 20).

set -u
rounds=${1:-5}
src=$(cd "$(dirname "$0")/../.." && pwd)
MLV_BIN=${MLV:-$src/build/mlv}
export MLV_BIN MLV_SRC=$src
export MLV_STRESS_TRACKERS=${MLV_STRESS_TRACKERS:-96}
export MLV_STRESS_PROMOTERS=${MLV_STRESS_PROMOTERS:-256}
export MLV_STRESS_ROUNDS=${MLV_STRESS_ROUNDS:-20}
for r in $(seq 1 "$rounds"); do
	echo "round $r of $rounds"
	bats --tap "$src/tests/cli/concurrency.bats" || exit 1
done
