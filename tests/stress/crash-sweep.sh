#!/usr/bin/env bash
# Long form of the crash-point sweeps (tests/cli/crash-*.bats): the same
# commands on bigger data (more chunks, so more injection points), every
# point killed and failed with more errnos, on a real disk by default so that
# fsync and rename run for real.
#
#   tests/stress/crash-sweep.sh [SIZE-KB]     (default 4096: 4 MiB files)
#   MLV=path/to/mlv (default build/mlv); SWEEP_ERRNOS (default
#   "ENOSPC EIO EDQUOT EROFS EFBIG"); TMPDIR chooses where it runs.
#
# Prints one line per command: its points and cases; exits 1 at the first
# failure with its command, mode and point.

set -u
size_kb=${1:-4096}
src=$(cd "$(dirname "$0")/../.." && pwd)
MLV=${MLV:-$src/build/mlv}
case $MLV in /*) ;; *) MLV=$PWD/$MLV ;; esac
[ -x "$MLV" ] || { echo "crash-sweep.sh: no mlv binary at $MLV" >&2; exit 128; }
root=$(mktemp -d "${TMPDIR:-/tmp}/mlv-sweep-long.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir "$root/bin" && ln -s "$MLV" "$root/bin/mlv"
export PATH="$root/bin:$PATH" LC_ALL=C GIT_CONFIG_NOSYSTEM=1 HOME=$root
export GIT_AUTHOR_NAME=Sweep GIT_AUTHOR_EMAIL=sweep@example.com
export GIT_COMMITTER_NAME=Sweep GIT_COMMITTER_EMAIL=sweep@example.com
export SWEEP_ERRNOS=${SWEEP_ERRNOS:-"ENOSPC EIO EDQUOT EROFS EFBIG"}
export SWEEP_TMPDIR=${SWEEP_TMPDIR:-$root}
sweep=$src/tests/cli/crash-sweep.sh

noise() { # noise KB KEY
	head -c $(($1 * 1024)) /dev/zero | openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' "$2")" \
		-iv 00000000000000000000000000000000 2>/dev/null
}
fresh() { # a new git work tree with a store, as $root/NAME
	rm -rf "$root/$1" && mkdir "$root/$1" && cd "$root/$1" &&
		git init -q . && git commit -q --allow-empty -m init && mlv init -q
}
versions() { # a committed first version of big and d/, a changed second one on disk
	fresh "$1"
	noise "$size_kb" 1 >big
	mkdir -p d/sub && noise $((size_kb / 2)) 2 >d/sub/b && printf 'one\n' >d/a && ln -s a d/l
	for i in 1 2 3 4 5 6 7 8; do printf 'small %d\n' "$i" >"d/s$i"; done
	mlv track -q big d && git add -A -- . ':(exclude).mlv' && git commit -qm v1
	{ noise $((size_kb / 2)) 1; noise $((size_kb / 2)) 3; } >big
	printf 'one, edited\n' >d/a && printf 'new\n' >d/c && rm d/l && ln -s c d/l
}
registry() { # a model with two versions, production on the first
	fresh "$1"
	printf '/model.bin\n/model\n/out.txt\n/metrics.json\n/in.txt\n' >>.git/info/exclude
	printf 'one\n' >model.bin && mlv register churn model.bin >/dev/null
	printf 'two\n' >model.bin && mlv register churn model.bin >/dev/null
	mlv promote churn@1 production >/dev/null
}

set -e
fresh track-new; noise "$size_kb" 9 >data.bin
"$sweep" "track (new file)" same mlv track -q data.bin
versions track-file; "$sweep" "track (changed file)" same mlv track -q big
versions track-dir; "$sweep" "track (directory)" same mlv track -q d
versions checkout; mlv track -q big d; git add -A -- . ':(exclude).mlv'; git commit -qm v2
git checkout -q HEAD~1 -- big.mlv d.mlv
"$sweep" "checkout" same mlv checkout -f -q
versions gc; mlv track -q big d; noise "$size_kb" 4 >big; mlv track -q big
git checkout -q -- big.mlv; mlv checkout -f -q
"$sweep" "gc" same mlv gc --prune=now
registry register; noise "$size_kb" 5 >model.bin
"$sweep" "register (file)" once mlv register churn model.bin --metric auc=0.95 -m third
registry register-dir; mkdir model; noise "$size_kb" 6 >model/weights; printf '{"layers":3}\n' >model/config.json
"$sweep" "register (directory)" once mlv register churn model
registry promote; "$sweep" "promote" once mlv promote churn@2 production -m better
registry rollback; mlv promote churn@2 production >/dev/null
"$sweep" "rollback" once mlv rollback churn production -m revert
registry run; printf 'input\n' >in.txt
"$sweep" "run" once mlv run -n r1 -p lr=0.1 --dep in.txt --out out.txt --metrics metrics.json -- \
	sh -c "head -c $((size_kb * 1024)) /dev/urandom >out.txt; printf '{\"auc\":0.9}\n' >metrics.json"
