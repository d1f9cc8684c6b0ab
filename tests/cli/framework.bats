#!/usr/bin/env bats
# The command framework as a user meets it: global options, unknown commands
# and options, exit statuses, external mlv-<name> commands, help, and the
# option parser every command shares.

load helper

@test "--version prints the version of the source tree" {
	run --separate-stderr mlv --version
	[ "$status" -eq 0 ]
	[ "$output" = "mlv version $(mlv_source_version)" ]
	[ -z "$stderr" ]
}

@test "version prints the same line; --json prints the schema and the version" {
	run --separate-stderr mlv version
	[ "$status" -eq 0 ]
	[ "$output" = "mlv version $(mlv_source_version)" ]
	run --separate-stderr mlv version --json
	[ "$status" -eq 0 ]
	[ "$output" = "{\"schema\":\"mlv.version/1\",\"version\":\"$(mlv_source_version)\"}" ]
}

@test "--version does not look for a store and ignores what follows" {
	MLV_DIR=/nonexistent run mlv --version
	[ "$status" -eq 0 ]
}

@test "-h prints the usage on stdout and exits 129" {
	run --separate-stderr mlv -h
	[ "$status" -eq 129 ]
	[[ "$output" == "usage: mlv "* ]]
	[[ "$output" == *"init "* ]]
	[ -z "$stderr" ]
}

@test "no command is a usage error" {
	run --separate-stderr mlv
	[ "$status" -eq 129 ]
	[[ "$stderr" == "usage: mlv "* ]]
}

@test "an unknown command says so and exits 129" {
	run --separate-stderr mlv foo
	[ "$status" -eq 129 ]
	[ "$stderr" = "mlv: 'foo' is not a mlv command. See 'mlv help'." ]
	[ -z "$output" ]
}

@test "a command name with a slash is not looked up as a program" {
	mkdir sub
	printf '#!/bin/sh\necho ran\n' > sub/x
	chmod +x sub/x
	run --separate-stderr mlv ../work/sub/x
	[ "$status" -eq 129 ]
	[ "$output" = "" ]
}

@test "an unknown global option is a usage error" {
	run --separate-stderr mlv --frobnicate init
	[ "$status" -eq 129 ]
	[[ "$stderr" == "mlv: unknown option '--frobnicate'"* ]]
	[ ! -e .mlv ]
}

@test "every command rejects an unknown option with 129, outside a store too" {
	local cmd
	for cmd in $(mlv --list-cmds); do
		run --separate-stderr mlv "$cmd" --no-such-option
		echo "$cmd: $status $stderr"
		[ "$status" -eq 129 ]
		[[ "$stderr" == "mlv: unknown option '--no-such-option'"* ]]
		[[ "$stderr" == *"usage: mlv $cmd"* ]]
		[ -z "$output" ]
	done
}

@test "every command prints its usage for -h on stdout and exits 129, outside a store too" {
	local cmd
	for cmd in $(mlv --list-cmds); do
		run --separate-stderr mlv "$cmd" -h
		echo "$cmd: $status $output"
		[ "$status" -eq 129 ]
		[[ "$output" == "usage: mlv $cmd"* ]]
		[ -z "$stderr" ]
	done
}

@test "--list-cmds lists the commands and not the hidden ones" {
	run mlv --list-cmds
	[ "$status" -eq 0 ]
	for cmd in init help version hash-object cat-object ls-tree rev-parse fsck gc; do
		grep -qx -- "$cmd" <<<"$output"
	done
	[[ "$output" != *test-parse-options* ]]
}

@test "-C runs the command in another directory, relative to the previous -C" {
	mkdir -p a/b
	run mlv -C a -C b init -q
	[ "$status" -eq 0 ]
	[ -d a/b/.mlv ]
	[ ! -e .mlv ]
	[ ! -e a/.mlv ]
	run mlv -Ca init -q
	[ -d a/.mlv ]
}

@test "-C to a missing directory is a fatal error" {
	run --separate-stderr mlv -C nowhere init
	[ "$status" -eq 128 ]
	[[ "$stderr" == "mlv: error: cannot change to 'nowhere': no such file or directory" ]]
}

@test "-C without a directory is a usage error" {
	run --separate-stderr mlv -C
	[ "$status" -eq 129 ]
}

@test "an mlv-<name> program on PATH runs as a command, with its arguments and status" {
	cat > "$TEST_ROOT/bin/mlv-foo" <<-'EOF'
	#!/bin/sh
	echo "foo: $# [$1] [$2]"
	exit 3
	EOF
	chmod +x "$TEST_ROOT/bin/mlv-foo"
	run --separate-stderr mlv foo "a b" --c
	[ "$status" -eq 3 ]
	[ "$output" = "foo: 2 [a b] [--c]" ]
}

@test "an mlv-<name> program runs in the -C directory" {
	printf '#!/bin/sh\npwd\n' > "$TEST_ROOT/bin/mlv-where"
	chmod +x "$TEST_ROOT/bin/mlv-where"
	mkdir d
	run mlv -C d where
	[ "$status" -eq 0 ]
	[ "$output" = "$TEST_ROOT/work/d" ]
}

@test "a write error on stdout exits 128 with the message" {
	run --separate-stderr bash -c 'mlv --version > /dev/full'
	[ "$status" -eq 128 ]
	[ "$stderr" = "mlv: error: write error on standard output: no space left on device" ]
	run --separate-stderr bash -c 'mlv help init > /dev/full'
	[ "$status" -eq 128 ]
	[ "$stderr" = "mlv: error: write error on standard output: no space left on device" ]
	run --separate-stderr bash -c 'mlv version --json > /dev/full'
	[ "$status" -eq 128 ]
	run --separate-stderr bash -c 'mlv --list-cmds > /dev/full'
	[ "$status" -eq 128 ]
}

@test "help lists porcelain and plumbing commands with their summaries" {
	run --separate-stderr mlv help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Porcelain commands"*"init "*"Plumbing commands"*"cat-object "* ]]
	for cmd in $(mlv --list-cmds); do
		grep -q "^   $cmd  *[a-z]" <<<"$output"
	done
	grep -q "create an empty store or reinitialize an existing one" <<<"$output"
	[[ "$output" != *test-parse-options* ]]
}

@test "help <command> prints the man page as text when stdout is not a terminal" {
	run --separate-stderr mlv help init
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "MLV-INIT(1)" ]
	grep -qx "NAME" <<<"$output"
	grep -qx "       mlv-init - create an empty store or reinitialize an existing one" <<<"$output"
	grep -qx "       mlv init \[-q\] \[--store <dir>\] \[--json\]" <<<"$output"
	grep -qx "OPTIONS" <<<"$output"
	# no roff left over
	run grep -c -e '^\.' -e '\\f' -e '\\-' -e '\\(' <<<"$output"
	[ "$output" = 0 ]
}

@test "<command> --help is help <command>" {
	expected="$(mlv help init)"
	run mlv init --help
	[ "$status" -eq 0 ]
	[ "$output" = "$expected" ]
	[ ! -e .mlv ]
	run mlv --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "MLV(1)" ]
}

@test "--help after -- is an argument, not a request for the manual" {
	run mlv test-parse-options -- --help
	[ "$status" -eq 0 ]
	grep -qx "arg: --help" <<<"$output"
}

@test "help finds the man pages beside the executable without MLV_MAN_DIR" {
	unset MLV_MAN_DIR
	mkdir -p inst/bin inst/share/man/man1
	cp "$MLV_BIN" inst/bin/mlv
	cp "$MLV_SRC/man/mlv-init.1" inst/share/man/man1/
	run inst/bin/mlv help init
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "MLV-INIT(1)" ]
	# a build directory inside the source tree: <src>/build/mlv and <src>/man
	mkdir -p tree/build tree/man
	cp "$MLV_BIN" tree/build/mlv
	cp "$MLV_SRC/man/mlv-help.1" tree/man/
	run tree/build/mlv help help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "MLV-HELP(1)" ]
}

@test "help falls back to the usage when there is no man page" {
	export MLV_MAN_DIR="$TEST_ROOT/empty"
	mkdir -p empty
	cp "$MLV_BIN" ./mlv-copy
	run --separate-stderr ./mlv-copy help init
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: mlv init [-q] [--store <dir>] [--json]" ]
}

@test "help shows a concept page mlv<topic>.7" {
	mkdir -p pages
	printf '.TH MLVTESTTOPIC 7\n.SH NAME\nmlvtesttopic \\- a topic\n' > pages/mlvtesttopic.7
	MLV_MAN_DIR="$PWD/pages" run mlv help testtopic
	[ "$status" -eq 0 ]
	grep -qx "       mlvtesttopic - a topic" <<<"$output"
}

@test "help on an unknown name is a usage error" {
	run --separate-stderr mlv help nosuch
	[ "$status" -eq 129 ]
	[ "$stderr" = "mlv: 'nosuch' is not a mlv command or help topic. See 'mlv help'." ]
	run --separate-stderr mlv help ../../etc/passwd
	[ "$status" -eq 129 ]
}

# ---- the option parser, through the hidden test-parse-options command ----

@test "options: long, short, = and separate values, bundles, lists, --" {
	run --separate-stderr mlv test-parse-options -bq --string=s1 -n 42 --list a -lb -l c x -- -y --bool
	[ "$status" -eq 0 ]
	[ "$output" = "bool: 1
quiet: 1
noneg: 0
string: s1
number: 42
optional: (null)
list: a
list: b
list: c
arg: x
arg: -y
arg: --bool" ]
}

@test "options: -xVALUE, --name value, the last one wins, a lone - is an argument" {
	run mlv test-parse-options -sfoo --string bar -n-3 -
	[ "$status" -eq 0 ]
	grep -qx "string: bar" <<<"$output"
	grep -qx "number: -3" <<<"$output"
	grep -qx "arg: -" <<<"$output"
}

@test "options: a bundle may end with an option that takes the rest as its value" {
	run mlv test-parse-options -bsvalue
	[ "$status" -eq 0 ]
	grep -qx "bool: 1" <<<"$output"
	grep -qx "string: value" <<<"$output"
}

@test "options: --no-NAME clears a boolean, unless the option forbids it" {
	run mlv test-parse-options --bool --no-bool
	[ "$status" -eq 0 ]
	grep -qx "bool: 0" <<<"$output"
	run --separate-stderr mlv test-parse-options --no-noneg
	[ "$status" -eq 129 ]
	[[ "$stderr" == "mlv: unknown option '--no-noneg'"* ]]
	run --separate-stderr mlv test-parse-options --no-string
	[ "$status" -eq 129 ]
}

@test "options: an optional value is only taken with =" {
	run mlv test-parse-options --optional next
	[ "$status" -eq 0 ]
	grep -qx "optional: default" <<<"$output"
	grep -qx "arg: next" <<<"$output"
	run mlv test-parse-options --optional=2.weeks.ago
	grep -qx "optional: 2.weeks.ago" <<<"$output"
	run mlv test-parse-options -o
	grep -qx "optional: default" <<<"$output"
	run mlv test-parse-options -o1d
	grep -qx "optional: 1d" <<<"$output"
}

@test "options: bad values are usage errors with a clear message" {
	run --separate-stderr mlv test-parse-options -n abc
	[ "$status" -eq 129 ]
	[[ "$stderr" == "mlv: option '-n' expects an integer, not 'abc'"* ]]
	run --separate-stderr mlv test-parse-options --number=12x
	[ "$status" -eq 129 ]
	[[ "$stderr" == "mlv: option '--number' expects an integer, not '12x'"* ]]
	run --separate-stderr mlv test-parse-options --number=99999999999999999999999
	[ "$status" -eq 129 ]
	run --separate-stderr mlv test-parse-options --string
	[ "$status" -eq 129 ]
	[[ "$stderr" == "mlv: option '--string' requires a value"* ]]
	run --separate-stderr mlv test-parse-options -s
	[ "$status" -eq 129 ]
	[[ "$stderr" == "mlv: option '-s' requires a value"* ]]
	run --separate-stderr mlv test-parse-options --bool=1
	[ "$status" -eq 129 ]
	[[ "$stderr" == "mlv: option '--bool' takes no value"* ]]
	run --separate-stderr mlv test-parse-options -bz
	[ "$status" -eq 129 ]
	[[ "$stderr" == "mlv: unknown option '-z'"* ]]
	[ -z "$output" ]
}

@test "options: -h output lists the options aligned, hidden ones left out" {
	run --separate-stderr mlv test-parse-options -h
	[ "$status" -eq 129 ]
	[ "$output" = "usage: mlv test-parse-options [<options>] [--] [<args>...]
   or: mlv test-parse-options -h

    -b, --bool            a boolean
    -q, --quiet           another boolean
    --noneg               a boolean without --no-noneg
    -s, --string <str>    a string
    -n, --number <n>      an integer
    -l, --list <item>     repeatable
    -o, --optional[=<age>]
                          a string with an optional value" ]
}

@test "options: -h anywhere before -- asks for the usage" {
	run --separate-stderr mlv test-parse-options x -b -h
	[ "$status" -eq 129 ]
	[[ "$output" == "usage: "* ]]
}
