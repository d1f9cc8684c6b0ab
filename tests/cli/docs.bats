#!/usr/bin/env bats
# Every command has a man page whose SYNOPSIS is its -h usage, and is in the
# three completion scripts, which must be what the binary generates now
# (run `make completions` after changing a command or option table).

load helper

@test "every command has a man page" {
	local cmd missing=
	for cmd in $(mlv --list-cmds); do
		[ -f "$MLV_SRC/man/mlv-$cmd.1" ] || missing="$missing $cmd"
	done
	echo "no man page for:$missing"
	[ -z "$missing" ]
}

@test "every man page's SYNOPSIS is the command's usage, line for line" {
	local cmd bad=
	for cmd in $(mlv --list-cmds); do
		page="$MLV_SRC/man/mlv-$cmd.1"
		[ -f "$page" ] || continue
		if ! diff -u <(usage_lines "$cmd") <(synopsis_lines "$page"); then
			bad="$bad $cmd"
		fi
	done
	echo "SYNOPSIS differs from -h for:$bad"
	[ -z "$bad" ]
}

@test "the NAME line of every man page is the command's summary in mlv help" {
	local cmd bad=
	for cmd in $(mlv --list-cmds); do
		page="$MLV_SRC/man/mlv-$cmd.1"
		[ -f "$page" ] || continue
		summary="$(mlv help | sed -n "s/^   $cmd  *//p")"
		name="$(awk '/^\.SH NAME/{ getline; print; exit }' "$page" | sed 's/\\-/-/g')"
		[ "$name" = "mlv-$cmd - $summary" ] || { echo "$cmd: '$name' vs '$summary'"; bad="$bad $cmd"; }
	done
	[ -z "$bad" ]
}

@test "mlv.1 has the synopsis of mlv -h" {
	diff -u <(mlv -h | sed -n 's/^usage: //p') <(synopsis_lines "$MLV_SRC/man/mlv.1")
}

@test "mlv.1 lists every command of the table, in the table's order" {
	diff -u <(mlv --list-cmds) \
		<(sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$MLV_SRC/man/mlv.1" | sed -n 's/^\.BR mlv\\-\(.*\) (1)$/\1/p' | sed 's/\\-/-/g')
}

@test "every man page has the sections a reader looks for" {
	local page sec bad=
	for page in "$MLV_SRC"/man/mlv.1 $(for c in $(mlv --list-cmds); do echo "$MLV_SRC/man/mlv-$c.1"; done); do
		[ -f "$page" ] || continue
		for sec in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" "SEE ALSO"; do
			grep -q "^\.SH \"\?$sec\"\?\$" "$page" || bad="$bad $(basename "$page"):$sec"
		done
	done
	echo "missing:$bad"
	[ -z "$bad" ]
}

@test "mlv help renders every man page as plain text, no roff left over" {
	local cmd bad=
	for cmd in mlv $(mlv --list-cmds); do
		text="$(mlv help "$cmd")"
		[[ "$text" == MLV* ]] || bad="$bad $cmd:no-title"
		if grep -n -e '^\.' -e '\\f' -e '\\-' -e '\\(' -e '\\&' <<<"$text"; then
			bad="$bad $cmd"
		fi
	done
	echo "roff left in:$bad"
	[ -z "$bad" ]
}

@test "the checked-in completion scripts are what mlv --completion generates" {
	diff -u "$MLV_SRC/completions/mlv.bash" <(mlv --completion bash)
	diff -u "$MLV_SRC/completions/_mlv" <(mlv --completion zsh)
	diff -u "$MLV_SRC/completions/mlv.fish" <(mlv --completion fish)
}

@test "every command is in the three completion scripts" {
	local cmd f bad=
	for cmd in $(mlv --list-cmds); do
		grep -qw -- "$cmd" "$MLV_SRC/completions/mlv.bash" || bad="$bad bash:$cmd"
		grep -q "^[[:space:]]*'$cmd:" "$MLV_SRC/completions/_mlv" || bad="$bad zsh:$cmd"
		grep -q "^complete -c mlv -n __mlv_needs_command -a $cmd " "$MLV_SRC/completions/mlv.fish" ||
			bad="$bad fish:$cmd"
	done
	echo "missing:$bad"
	[ -z "$bad" ]
}

@test "every long option of every command is in the completion scripts" {
	local cmd opt bad=
	for cmd in $(mlv --list-cmds); do
		for opt in $(mlv "$cmd" -h | grep -o -- '^    \(-., \)\?--[a-z0-9-]*' | sed 's/.*--//'); do
			grep -q -- "--$opt" <(mlv --completion bash) || bad="$bad bash:$cmd:$opt"
			grep -q -- "'__mlv_using_command $cmd'.* -l $opt " "$MLV_SRC/completions/mlv.fish" ||
				bad="$bad fish:$cmd:$opt"
		done
	done
	echo "missing:$bad"
	[ -z "$bad" ]
}

@test "the completion scripts are valid shell" {
	bash -n "$MLV_SRC/completions/mlv.bash"
	if command -v zsh >/dev/null; then zsh -n "$MLV_SRC/completions/_mlv"; fi
	if command -v fish >/dev/null; then fish -n "$MLV_SRC/completions/mlv.fish"; fi
}

# _complete WORD...: run the bash completion on the command line "mlv WORD..."
# (the last word is the one being completed); COMPREPLY one a line, sorted.
_complete() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=(mlv "$@")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_mlv
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' _ "$MLV_SRC/completions/mlv.bash" "$@"
}

@test "bash completion: command names" {
	run _complete ''
	[ "$status" -eq 0 ]
	[ "$output" = "$(mlv --list-cmds | sort)" ]
	run _complete h
	[ "$output" = "hash-object
help
history" ]
	run _complete -C somewhere ca
	[ "$output" = "card
cat-object" ]
}

@test "bash completion: global options and -C directories" {
	run _complete --v
	[ "$output" = "--version" ]
	mkdir dir1 dir2
	touch file1
	run _complete -C di
	[ "$output" = "dir1
dir2" ]
}

@test "bash completion: the options of a command" {
	run _complete init --
	[ "$output" = "--json
--quiet
--store" ]
	run _complete -C x init --j
	[ "$output" = "--json" ]
}

@test "bash completion: help completes command names" {
	run _complete help ini
	[ "$output" = "init" ]
}

@test "bash completion: nothing from the lists after -- (file names are left to readline)" {
	run _complete init -- --
	[ "$output" = "" ]
}
