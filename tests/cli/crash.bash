# Shared by tests/cli/crash-*.bats: `sweep NAME same|once CMD...` runs the
# crash-point sweep of crash-sweep.sh in the current work tree and prints its
# count of points and cases to the TAP stream.

bats_require_minimum_version 1.5.0

sweep() {
	run --separate-stderr "$MLV_SRC/tests/cli/crash-sweep.sh" "$@"
	echo "# $output" >&3
	if [ "$status" -ne 0 ]; then
		echo "$stderr" >&2
		return 1
	fi
	[[ "$output" == *" points x {kill ENOSPC EIO} = "*" cases, all checked ("* ]]
}
