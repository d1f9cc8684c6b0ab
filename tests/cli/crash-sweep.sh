#!/usr/bin/env bash
# Crash-point sweep of one mlv command:
#
#   crash-sweep.sh NAME same|once CMD [ARG...]
#
# run in the work tree (with its store) that is the state before CMD. It runs
# CMD once to count the injection points of the I/O layer it reaches
# (MLV_FAULT_LOG), then, for every point N, starts again from a copy of the
# same state and stops CMD there (MLV_FAULT_AT=N: SIGKILL) or makes the point
# fail (MLV_FAULT_ERRNO, each of $SWEEP_ERRNOS, default "ENOSPC EIO"; with
# SWEEP_KILL=0 the points are only failed, not killed), and
# checks what a user relies on:
#
#   * a failed CMD exits 128 with one line "mlv: error: ..." on stderr;
#   * `mlv fsck --full` is clean;
#   * the registry (every model's history and aliases) and the runs are
#     exactly as before CMD or exactly as after it;
#   * each file of the work tree is byte-identical to its state before or its
#     state after (a killed command may leave its own temporary files, nothing
#     else; a failed one leaves none);
#   * every object a pointer file or a model version names is readable;
#   * CMD, run again, completes and leaves what a clean run leaves ("same":
#     always; "once", for commands whose second run does more, like register:
#     when the registry was left as before), and fsck is clean again.
#
# Prints "NAME: P points x {kill ENOSPC EIO} = C cases, all checked", or the
# first failure with its point and exits 1. The copies live on /dev/shm when
# there is one, else beside the work tree; SWEEP_TMPDIR chooses (a real disk,
# so that fsync is exercised). Used by tests/cli/crash-*.bats
# (short forms) and tests/stress/ (long forms). Needs mlv on PATH.

set -u
export LC_ALL=C

# The errnos every sweep fails points with, besides killing the process.
SWEEP_ERRNOS=${SWEEP_ERRNOS:-"ENOSPC EIO"}
# Pinned clock of the registry, so a re-run records the same events.
export MLV_TEST_NOW_MS=1796100000000

# The work tree, one line per entry: path, tab, type and content id.
sweep_files() {
	{
		find . \( -path ./.git -o -path ./.mlv \) -prune -o -mindepth 1 \
			\( -type l -printf '%p\tL %l\n' \) -o \
			\( -type d -printf '%p\tD %m\n' \) -o \
			\( -type f -printf '%p\tF %m\n' \)
		find . \( -path ./.git -o -path ./.mlv \) -prune -o -type f -exec sha256sum {} + |
			sed 's/^\([0-9a-f]*\)  \(.*\)$/\2\tH \1/'
	} | sort
}

# The temporary files a killed command may leave in the work tree.
sweep_temp_name() {
	case "${1##*/}" in
	.mlv-tmp-* | *.tmp-??????) return 0 ;;
	esac
	return 1
}

# What the registry and the run list hold, as a user sees it.
sweep_refs() {
	local m models
	models=$(mlv models --json) || return 1
	printf '%s\n' "$models"
	for m in $(printf '%s' "$models" | grep -o '"name":"[^"]*","latest"' | cut -d'"' -f4); do
		mlv history "$m" --json || return 1
	done
	# runs without what differs between two runs of the same command
	mlv runs --json | sed -E 's/"(id|record|commit|duration_ms|start|start_ms)":("[^"]*"|[0-9]+),?//g'
}

# Every object the work tree's pointers and the registry's versions (in
# sweep_refs output REFS) name can be read whole: cat-object verifies the id
# of what it returns, ls-tree -r reads every tree under a directory's.
sweep_reachable() {
	local kind oid spec
	while read -r kind oid; do
		case "$kind" in
		dir) mlv ls-tree -r "$oid" >/dev/null || { echo "tree $oid unreadable"; return 1; } ;;
		*) mlv cat-object blob "$oid" >/dev/null || { echo "object $oid unreadable"; return 1; } ;;
		esac
	done < <(find . \( -path ./.git -o -path ./.mlv \) -prune -o -type f -name '*.mlv' -exec cat {} + |
		sed -n 's/.*"kind":"\([a-z]*\)".*"oid":"sha256:\([0-9a-f]*\)".*/\1 \2/p')
	for spec in $(head -1 "$1" | grep -o '"name":"[^"]*","latest":[0-9]*' |
		awk -F'"' '{ n = substr($7, 2); for (i = 1; i <= n; i++) print $4 "@" i }'); do
		mlv get "$spec" -o "$SWEEP_DIR/got" >/dev/null || { echo "$spec cannot be read"; return 1; }
		rm -rf "$SWEEP_DIR/got"
	done
}

# sweep_compare BEFORE AFTER NOW MODE: every entry of NOW (a sweep_files
# listing) equals its line in BEFORE or in AFTER; an entry missing from NOW is
# missing from BEFORE or AFTER too. Temporary files pass when MODE is kill.
sweep_compare() {
	awk -F'\t' -v mode="$4" '
		{ k = $1 "\t" substr($2, 1, 1) }
		FILENAME == ARGV[1] { b[k] = $2; next }
		FILENAME == ARGV[2] { a[k] = $2; next }
		{
			seen[k] = 1
			if ((k in b) && b[k] == $2) next
			if ((k in a) && a[k] == $2) next
			n = split($1, parts, "/"); base = parts[n]
			if (mode == "kill" && (base ~ /^\.mlv-tmp-/ || base ~ /\.tmp-......$/)) next
			printf "%s is neither as before nor as after (%s)\n", $1, $2; bad = 1
		}
		END {
			for (p in b) if (!(p in seen) && (p in a)) { printf "%s is gone\n", p; bad = 1 }
			exit bad
		}' "$1" "$2" "$3"
}

# sweep_fail WHAT: print why the sweep stopped, with the point, and fail.
sweep_fail() {
	echo "$SWEEP_NAME, $SWEEP_MODE at point $SWEEP_N/$SWEEP_POINTS ($(sed -n "${SWEEP_N}p" "$SWEEP_DIR/points" 2>/dev/null)): $*" >&2
	return 1
}

sweep() {
	SWEEP_NAME=$1
	local kind=$2
	shift 2
	# on tmpfs when there is one: the sweep measures where a command stops,
	# not the disk, and fsync there costs nothing
	if [ -n "${SWEEP_TMPDIR:-}" ]; then
		SWEEP_DIR=$(mktemp -d "$SWEEP_TMPDIR/mlv-sweep.XXXXXX")
	elif [ -d /dev/shm ] && [ -w /dev/shm ]; then
		SWEEP_DIR=$(mktemp -d /dev/shm/mlv-sweep.XXXXXX)
	else
		SWEEP_DIR=$(mktemp -d "$TEST_ROOT/sweep.XXXXXX")
	fi
	local base=$PWD dir=$SWEEP_DIR
	cp -a "$base" "$dir/before"
	# the state before
	(cd "$dir/before" && sweep_files) >"$dir/files.before"
	(cd "$dir/before" && sweep_refs) >"$dir/refs.before" || return 1
	# one clean run: the points and the state after
	cp -a "$dir/before" "$dir/after"
	(cd "$dir/after" && MLV_FAULT_LOG="$dir/points" "$@" >/dev/null) ||
		{ echo "$SWEEP_NAME: the clean run failed" >&2; return 1; }
	(cd "$dir/after" && sweep_files) >"$dir/files.after"
	(cd "$dir/after" && sweep_refs) >"$dir/refs.after"
	SWEEP_POINTS=$(wc -l <"$dir/points")
	[ "$SWEEP_POINTS" -gt 0 ] || { echo "$SWEEP_NAME: no injection points" >&2; return 1; }
	cmp -s "$dir/refs.before" "$dir/refs.after" && [ "$kind" = once ] &&
		{ echo "$SWEEP_NAME: the command changed nothing in the registry" >&2; return 1; }
	local modes="$SWEEP_ERRNOS" cases=0
	[ "${SWEEP_KILL:-1}" = 0 ] || modes="kill $modes"
	SWEEP_UNREACHED=0 SWEEP_IGNORED=
	for SWEEP_MODE in $modes; do
		for SWEEP_N in $(seq 1 "$SWEEP_POINTS"); do
			sweep_one "$kind" "$@" || return 1
			cases=$((cases + 1))
		done
	done
	echo "$SWEEP_NAME: $SWEEP_POINTS points x {$modes} = $cases cases, all checked" \
		"($SWEEP_UNREACHED not reached${SWEEP_IGNORED:+; failure ignored, command succeeded:$SWEEP_IGNORED})"
	cd "$base" && rm -rf "$dir"
}

sweep_fsck() {
	local st=0
	mlv fsck --full >"$SWEEP_DIR/fsck" 2>&1 || st=$?
	[ "$st" -eq 0 ] || sweep_fail "fsck --full: exit $st: $(cat "$SWEEP_DIR/fsck")"
}

sweep_one() {
	local kind=$1 dir=$SWEEP_DIR st out err
	shift
	rm -rf "$dir/w" && cp -a "$dir/before" "$dir/w"
	cd "$dir/w" || return 1
	rm -f "$dir/points.run"
	# in a subshell, so that the shell's own "Killed" notice goes nowhere
	if [ "$SWEEP_MODE" = kill ]; then
		( MLV_FAULT_LOG="$dir/points.run" MLV_FAULT_AT=$SWEEP_N "$@" >"$dir/out" 2>"$dir/err"; exit $? ) 2>/dev/null && st=0 || st=$?
	else
		( MLV_FAULT_LOG="$dir/points.run" MLV_FAULT_AT=$SWEEP_N MLV_FAULT_ERRNO=$SWEEP_MODE "$@" \
			>"$dir/out" 2>"$dir/err"; exit $? ) 2>/dev/null && st=0 || st=$?
	fi
	if [ "$st" -eq 0 ]; then
		# not an error when this run reached fewer points than the clean
		# one (the stat cache is only written for files old enough to be
		# trusted), or when the failing step was one the command may skip
		# (writing the stat cache): counted and printed
		if [ "$(wc -l <"$dir/points.run" 2>/dev/null || echo 0)" -lt "$SWEEP_N" ]; then
			SWEEP_UNREACHED=$((SWEEP_UNREACHED + 1))
		elif [ "$SWEEP_MODE" = kill ]; then
			sweep_fail "exit 0 though killed" || return 1
		else
			SWEEP_IGNORED="$SWEEP_IGNORED $SWEEP_MODE@$SWEEP_N($(sed -n "${SWEEP_N}p" "$dir/points.run" | cut -d' ' -f2-3 | sed 's|/.*/||'))"
		fi
	elif [ "$SWEEP_MODE" != kill ]; then
		err=$(cat "$dir/err")
		[ "$st" -eq 128 ] || sweep_fail "exit $st, stderr '$err'" || return 1
		[[ "$err" == "mlv: error: "* && "$err" != *$'\n'* ]] ||
			sweep_fail "stderr is not one error line: '$err'" || return 1
	fi
	sweep_fsck || return 1
	sweep_refs >"$dir/refs.now" || sweep_fail "cannot read the registry" || return 1
	local refs=other
	cmp -s "$dir/refs.now" "$dir/refs.before" && refs=before
	cmp -s "$dir/refs.now" "$dir/refs.after" && refs=after
	[ "$refs" != other ] || sweep_fail "the registry is neither as before nor as after:
$(diff "$dir/refs.before" "$dir/refs.now"; diff "$dir/refs.after" "$dir/refs.now")" || return 1
	sweep_files >"$dir/files.now"
	out=$(sweep_compare "$dir/files.before" "$dir/files.after" "$dir/files.now" "$SWEEP_MODE") ||
		sweep_fail "$out" || return 1
	out=$(sweep_reachable "$dir/refs.now") || sweep_fail "$out" || return 1
	# run again: it completes, and leaves what the clean run left
	if [ "$kind" = same ] || [ "$refs" = before ]; then
		"$@" >"$dir/out" 2>"$dir/err" || sweep_fail "the re-run failed: $(cat "$dir/err")" || return 1
		sweep_refs >"$dir/refs.now"
		cmp -s "$dir/refs.now" "$dir/refs.after" ||
			sweep_fail "after the re-run the registry is not as after the clean run:
$(diff "$dir/refs.after" "$dir/refs.now")" || return 1
		sweep_files | awk -F'\t' '{ n = split($1, p, "/"); if (p[n] !~ /^\.mlv-tmp-/ && p[n] !~ /\.tmp-......$/) print }' >"$dir/files.now"
		diff "$dir/files.after" "$dir/files.now" >"$dir/diff" ||
			sweep_fail "after the re-run the work tree is not as after the clean run: $(cat "$dir/diff")" || return 1
	else
		# done already: the next command works
		mlv models >/dev/null || sweep_fail "mlv models failed after the run" || return 1
	fi
	sweep_fsck || return 1
	cd "$dir" || return 1
}

[ $# -ge 3 ] || { echo "usage: crash-sweep.sh NAME same|once CMD [ARG...]" >&2; exit 129; }
trap '[ -n "${SWEEP_DIR:-}" ] && rm -rf "$SWEEP_DIR"' EXIT
sweep "$@"
