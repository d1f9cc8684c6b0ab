# Shared by tests/cli/crash-*.bats: `sweep NAME same|once CMD...` runs the
# crash-point sweep of crash-sweep.sh in the current work tree and prints its
# count of points and cases to the TAP stream.

bats_require_minimum_version 1.5.0

# Under the sanitizers (make check sets ASAN_OPTIONS) a killed process shows
# them nothing and each case costs several times more: only fail the points.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	export SWEEP_KILL=0
	SWEEP_MODES="ENOSPC EIO"
else
	SWEEP_MODES="kill ENOSPC EIO"
fi

sweep() {
	run --separate-stderr "$MLV_SRC/tests/cli/crash-sweep.sh" "$@"
	echo "# $output" >&3
	if [ "$status" -ne 0 ]; then
		echo "$stderr" >&2
		return 1
	fi
	[[ "$output" == *" points x {$SWEEP_MODES} = "*" cases, all checked ("* ]]
}
