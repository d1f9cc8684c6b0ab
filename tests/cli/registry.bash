# Shared by the tests of the model registry commands (register, promote,
# approve, rollback, unalias, deprecate, models, history, resolve, get): a
# store in a git work tree, models to register, and a snapshot of everything
# a failed command must leave alone. Load after helper and plumbing.

bats_require_minimum_version 1.5.0

# A git work tree with a store and one commit.
reg_init() {
	git init -q . && git commit -q --allow-empty -m init && store_init
}

# reg_model NAME CONTENT [ARGS...]: register a file holding CONTENT.
reg_model() {
	local name=$1 content=$2
	shift 2
	printf '%s\n' "$content" > model.bin
	mlv register "$name" model.bin "$@" >/dev/null
}

# Everything a failed command must not change: the pack files (so every
# object), the registry as the commands show it (refs and index), and the
# files of the work tree.
reg_snapshot() {
	{
		find .mlv/objects/pack -type f -printf '%f %s\n' | sort
		mlv models --json
		for m in $(mlv models --json | jq -r '.models[].name'); do
			mlv history "$m" --json
			mlv history "$m" --at @9999999999 --json
		done
		find . -path ./.mlv -prune -o -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum
	} | sha256sum
}
