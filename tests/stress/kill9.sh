#!/usr/bin/env bash
# Random kill -9 stress: JOBS parallel jobs run random mlv commands (track,
# checkout, register, promote, rollback, gc, run) on one store while a killer
# sends SIGKILL to a random running one at random times, for DURATION
# seconds. After each kill, while the other jobs go on:
#
#   * `mlv fsck --full` is clean (it checks packs, index, trees, and every
#     model's event chain against the registry index);
#   * every pointer file parses and names an object the store can read;
#   * each job's data file is byte-identical to one of the versions that job
#     wrote (mlv never damages a user's file, whatever it was doing);
#   * the killed job's next command succeeds (each job logs any failure
#     other than its own kill, a lost compare-and-swap or "busy").
#
# At the end, with everything stopped, the same checks run once more, plus
# `mlv checkout -f` restoring every tracked file.
#
#   tests/stress/kill9.sh [-d DURATION] [-j JOBS] [-s SEED] [-k]
#     -d  seconds to run (default 60)       -j  parallel jobs (default 4)
#     -s  random seed (default: the time)   -k  keep the work directory
#   MLV=path/to/mlv (default build/mlv); TMPDIR chooses where it runs.
#
# Exit 0 and a summary line when every check passed; 1 and the first
# failures otherwise.

set -u
duration=60 jobs=4 seed=$(date +%s) keep=0
while getopts d:j:s:k o; do
	case $o in
	d) duration=$OPTARG ;;
	j) jobs=$OPTARG ;;
	s) seed=$OPTARG ;;
	k) keep=1 ;;
	*) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 129 ;;
	esac
done
src=$(cd "$(dirname "$0")/../.." && pwd)
MLV=${MLV:-$src/build/mlv}
case $MLV in /*) ;; *) MLV=$PWD/$MLV ;; esac
[ -x "$MLV" ] || { echo "kill9.sh: no mlv binary at $MLV (make build, or set MLV)" >&2; exit 128; }
command -v jq >/dev/null || { echo "kill9.sh: needs jq" >&2; exit 128; }

root=$(mktemp -d "${TMPDIR:-/tmp}/mlv-kill9.XXXXXX")
mkdir "$root/bin" "$root/logs"
ln -s "$MLV" "$root/bin/mlv"
export PATH="$root/bin:$PATH" LC_ALL=C GIT_CONFIG_NOSYSTEM=1 HOME=$root
export GIT_AUTHOR_NAME=Stress GIT_AUTHOR_EMAIL=stress@example.com
export GIT_COMMITTER_NAME=Stress GIT_COMMITTER_EMAIL=stress@example.com
unset MLV_DIR MLV_FAULT_AT MLV_FAULT_ERRNO MLV_FAULT_LOG
cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "$keep" -eq 1 ] && echo "work directory kept: $root" >&2 || rm -rf "$root"
}
trap cleanup EXIT

work=$root/work
mkdir "$work" && cd "$work" || exit 128
git init -q . && git commit -q --allow-empty -m init && mlv init -q || exit 128
printf '/model-*.bin\n/out-*\n' >>.git/info/exclude
printf 'first\n' >model-0.bin && mlv register churn model-0.bin >/dev/null &&
	mlv promote churn@1 production >/dev/null || exit 128

# content J N: version N of job J's data, about 200 kB, sharing chunks.
content() {
	head -c 150000 /dev/zero | openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' "$1")" \
		-iv 00000000000000000000000000000000 2>/dev/null
	printf 'job %d version %d\n' "$1" "$2"
	head -c 50000 /dev/zero | openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' $((1000 + $2)))" \
		-iv 00000000000000000000000000000000 2>/dev/null
}

# One job: random commands until the stop file goes. Its current mlv
# process id is in logs/J.pid for the killer.
job() {
	local j=$1 n=0 v=0 rc latest log=$root/logs/$j
	local -a cmd
	RANDOM=$((seed + j))
	content "$j" 0 >"d$j.dat"
	sha256sum <"d$j.dat" | cut -c1-64 >"$log.versions"
	mlv track -q "d$j.dat" || echo "job $j: the first track failed" >>"$root/failures"
	while [ -e "$root/run" ]; do
		n=$((n + 1))
		case $((RANDOM % 8)) in
		0 | 1)
			v=$((v + 1))
			content "$j" "$v" >"d$j.tmp" && sha256sum <"d$j.tmp" | cut -c1-64 >>"$log.versions" &&
				mv "d$j.tmp" "d$j.dat"
			cmd=(track -q "d$j.dat") ;;
		2) cmd=(checkout -f -q "d$j.dat") ;; # (another job's file may be mid-write)
		3) printf 'model %d %d\n' "$j" "$n" >"model-$j.bin"; cmd=(register churn "model-$j.bin") ;;
		4) latest=$(mlv models --json 2>/dev/null | jq -r '.models[0].latest // 1')
			cmd=(promote "churn@$((RANDOM % latest + 1))" production) ;;
		5) cmd=(rollback churn production) ;;
		6) cmd=(gc --prune=1.minute.ago) ;;
		7) cmd=(run -n "r$j-$n" --out "out-$j" -- sh -c "echo $n >out-$j") ;;
		esac
		mlv "${cmd[@]}" >"$log.out" 2>"$log.err" &
		echo $! >"$log.pid"
		wait $! && rc=0 || rc=$?
		rm -f "$log.pid"
		echo "$rc ${cmd[*]}" >>"$log.cmds"
		[ "$rc" -eq 0 ] && continue
		[ "$rc" -eq 137 ] && { echo "${cmd[*]}" >>"$log.killed"; continue; }
		grep -q -e 'is busy: another mlv command has held it' \
			-e 'while this command ran; nothing was recorded$' \
			-e 'has no earlier holder to roll back to' \
			-e 'already points to' "$log.err" && continue
		echo "job $j: '${cmd[*]}' exited $rc: $(cat "$log.err")" >>"$root/failures"
	done
}

# The checks (see the top): prints what is wrong, returns 1 if anything is.
check() {
	local bad=0 p oid j h
	if ! mlv fsck --full >"$root/fsck.out" 2>&1; then
		echo "fsck: $(cat "$root/fsck.out")"
		bad=1
	fi
	for p in *.mlv; do
		[ -e "$p" ] || continue
		oid=$(sed -n 's/.*"oid":"sha256:\([0-9a-f]*\)".*/\1/p' "$p")
		[ -n "$oid" ] && mlv cat-object -e "$oid" ||
			{ echo "pointer $p names a missing object: $(cat "$p")"; bad=1; }
	done
	for j in $(seq 1 "$jobs"); do
		[ -e "d$j.dat" ] || continue
		h=$(sha256sum <"d$j.dat" | cut -c1-64)
		grep -qx "$h" "$root/logs/$j.versions" ||
			{ echo "d$j.dat is none of the versions job $j wrote"; bad=1; }
	done
	mlv resolve churn@production >/dev/null || { echo "churn@production does not resolve"; bad=1; }
	return $bad
}

touch "$root/run"
# (the jobs' shells would report each kill on stderr: into their logs)
for j in $(seq 1 "$jobs"); do job "$j" 2>>"$root/logs/$j.shell" & done
RANDOM=$seed
kills=0 checks_failed=0
end=$(($(date +%s) + duration))
while [ "$(date +%s)" -lt "$end" ]; do
	sleep "0.$(printf '%03d' $((RANDOM % 400)))"
	j=$((RANDOM % jobs + 1))
	pid=$(cat "$root/logs/$j.pid" 2>/dev/null) || continue
	# only our own mlv (the id could have been reused since)
	grep -q "mlv" "/proc/$pid/cmdline" 2>/dev/null || continue
	kill -9 "$pid" 2>/dev/null || continue
	kills=$((kills + 1))
	if ! out=$(check); then
		checks_failed=$((checks_failed + 1))
		printf 'after kill %d (job %d): %s\n' "$kills" "$j" "$out" >>"$root/failures"
	fi
done
rm -f "$root/run"
wait
# quiet now: the final checks, and every tracked file restored
out=$(check) || { checks_failed=$((checks_failed + 1)); echo "final: $out" >>"$root/failures"; }
mlv checkout -f -q 2>>"$root/failures" || echo "final checkout failed" >>"$root/failures"
for j in $(seq 1 "$jobs"); do
	[ -e "d$j.dat.mlv" ] || continue
	[ "$(sha256sum <"d$j.dat" | cut -c1-64)" = "$(sed -n 's/.*"oid":"sha256:\([0-9a-f]*\)".*/\1/p' "d$j.dat.mlv")" ] ||
		echo "d$j.dat does not match its pointer after checkout" >>"$root/failures"
done
cmds=$(cat "$root"/logs/*.cmds 2>/dev/null | wc -l)
events=$(mlv history churn --json | jq '.events | length')
echo "kill9: seed $seed, $jobs jobs, ${duration}s: $cmds commands, $kills killed, $events registry events," \
	"$(cat "$root/failures" 2>/dev/null | grep -c .) failures"
if [ -s "$root/failures" ]; then
	head -20 "$root/failures" >&2
	exit 1
fi
exit 0
