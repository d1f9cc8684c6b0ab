# Shared by lineage.bats, card.bats and modeldata.bats: a git project with
# tracked data, a run that read it, and model versions registered from it.

# model_project: data/train.csv (3 rows, 2 columns) and data/extra.jsonl
# (2 rows, 1 column) tracked and committed; notes.txt committed, not tracked.
model_project() {
	git init -q .
	mlv init >/dev/null
	mkdir data
	printf 'a,b\n1,x\n2,y\n3,z\n' > data/train.csv
	printf '{"a":1}\n{"a":2}\n' > data/extra.jsonl
	echo "read me" > notes.txt
	mlv track data/train.csv data/extra.jsonl >/dev/null
	git add -A
	git commit -qm data
	echo "weights v1" > model.bin
}

# train NAME DEP...: a run named NAME that read the DEPs and logged auc=0.91.
train() {
	local name=$1 args=() d
	shift
	for d in "$@"; do args+=(--dep "$d"); done
	mlv run -n "$name" "${args[@]}" -p lr=0.1 -- mlv log-metric auc=0.91 >/dev/null 2>&1
}

# sha FILE: the id mlv gives FILE.
sha() {
	sha256sum "$1" | cut -d' ' -f1
}
