#!/bin/sh
# A short walk through mlv on a sample project created in a temporary
# directory. Run by `make demo`; MLV may name the binary (default: mlv on PATH).
set -eu
MLV=${MLV:-mlv}
work=$(mktemp -d "${TMPDIR:-/tmp}/mlv-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

if [ -t 1 ]; then bold=$(printf '\033[1m'); off=$(printf '\033[0m'); else bold=; off=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
run() { printf '$ %s\n' "$*"; "$@"; }
mlv() { "$MLV" "$@"; }

step "A sample project: a dataset and a model file"
mkdir -p data models
awk 'BEGIN {
	srand(42); print "id,age,income,city,label";
	split("paris,lyon,nantes,lille,nice", c, ",");
	for (i = 1; i <= 200000; i++)
		printf "%d,%d,%.2f,%s,%d\n", i, 18 + int(rand() * 60), 20000 + rand() * 80000, c[1 + int(rand() * 5)], rand() < 0.3
}' > data/train.csv
head -c 2000000 /dev/urandom > models/model.bin
run ls -l data/train.csv models/model.bin

step "Create a store next to the git repository"
run git init -q
git config user.name "Demo User"
git config user.email "demo@example.com"
run mlv init

step "Ids are SHA-256 of the bytes, the same as sha256sum prints"
run mlv hash-object data/train.csv
run sha256sum data/train.csv

step "Track the dataset and the model: pointer files go to git, the bytes to the store"
run mlv track data/train.csv models/model.bin
run cat data/train.csv.mlv
run cat data/.gitignore
run git add data/train.csv.mlv data/.gitignore models/model.bin.mlv models/.gitignore
run git commit -q -m "train.csv v1 and the first model"
printf 'store size: %s bytes for %s bytes of files (the CSV is compressed, the model is not)\n' \
	"$(du -sb .mlv/objects | cut -f1)" "$(cat data/train.csv models/model.bin | wc -c)"

step "Change the data: status sees it"
before=$(du -sb .mlv/objects | cut -f1)
awk 'BEGIN { srand(7); for (i = 200001; i <= 202000; i++) printf "%d,%d,%.2f,lyon,%d\n", i, 30 + int(rand() * 20), 50000 + rand() * 1000, rand() < 0.5 }' >> data/train.csv
printf '$ mlv status --exit-code\n'
mlv status --exit-code || printf '(exit %s: something differs)\n' "$?"

step "Track version 2: only its new chunks are stored"
run mlv track data/train.csv
after=$(du -sb .mlv/objects | cut -f1)
printf 'the store grew by %s bytes for a %s-byte file\n' "$((after - before))" "$(wc -c < data/train.csv)"
run git commit -q -am "train.csv v2: 1% more rows"

step "Go back to version 1 with git, and mlv brings the data along"
run git checkout -q HEAD~1 -- data/train.csv.mlv
run mlv status
run mlv checkout
run wc -l data/train.csv
run git checkout -q HEAD -- data/train.csv.mlv
run mlv checkout
run wc -l data/train.csv

step "Read an object back by a short id prefix"
id=$(mlv hash-object data/train.csv)
short=$(printf %s "$id" | cut -c1-10)
run mlv cat-object -t "$short"
run mlv cat-object -s "$short"
printf '$ mlv cat-object -p %s | head -3\n' "$short"
mlv cat-object -p "$short" | head -3

step "Track a directory: it becomes a tree of files"
mkdir -p data/images
for i in 1 2 3; do head -c 50000 /dev/urandom > "data/images/img$i.bin"; done
run mlv track data/images
tree=$(sed -n 's/.*"oid":"sha256:\([0-9a-f]*\)".*/\1/p' data/images.mlv)
run mlv ls-tree "$tree"
rm data/images/img2.bin
printf 'changed' > data/images/img3.bin
run mlv status
run mlv checkout --force data/images
run mlv status

step "Check the whole store"
run mlv fsck --full

step "Damage is detected, never returned as data"
pack=$(ls .mlv/objects/pack/*.pack | head -n 1)
cp "$pack" "$work/pack.bak"
chmod u+w "$pack"
printf 'X' | dd of="$pack" bs=1 seek=5000 conv=notrunc 2>/dev/null
printf '$ mlv fsck   (after flipping one byte in a pack)\n'
mlv fsck || printf '(exit %s: problems found)\n' "$?"
cp "$work/pack.bak" "$pack"

step "What git history, the work tree or refs point at is kept; the rest goes after a grace period"
head -c 300000 /dev/urandom > scratch.bin
run mlv hash-object -w scratch.bin
run mlv gc --prune=now
run mlv fsck

step "Every version stays reachable through git: the diff and the log of a tracked file"
run mlv diff HEAD~1 HEAD
run mlv log data/train.csv

step "Experiments: every run recorded, with its params, metrics by step, data and git commit"
# the training script calls mlv log-metric / log-param: the binary must be on PATH
case $MLV in */*) PATH="$(cd "$(dirname "$MLV")" && pwd):$PATH"; export PATH ;; esac
cat > train.sh <<'EOS'
# A stand-in for training: loss falls and AUC rises with each epoch, faster with a larger lr.
lr=$1 epochs=$2
mlv log-param lr="$lr" epochs="$epochs"
i=0
while [ "$i" -lt "$epochs" ]; do
	mlv log-metric --step "$i" $(awk -v lr="$lr" -v i="$i" 'BEGIN {
		loss = 0.55 * exp(-lr * 12 * (i + 1)) + 0.2; printf "loss=%.4f auc=%.4f", loss, 1.05 - loss }')
	i=$((i + 1))
done
echo "trained for $epochs epochs at lr=$lr"
EOS
run cat train.sh
# runs record the git commit, and whether tracked files differ from it: commit first
run git add data/images.mlv data/.gitignore
run git commit -q -m "track the images"
run mlv run -n baseline -t stage=baseline --dep data/train.csv -- sh train.sh 0.05 6
run mlv run -n tuned --dep data/train.csv -- sh train.sh 0.2 8

step "Which run is best? Sort by a metric, descending; filter with an expression"
run mlv runs --sort -metrics.auc --columns id,name,status,duration,metrics.auc,metrics.loss,params.lr
printf '$ mlv runs --filter '\''metrics.auc > 0.8 and params.epochs >= 8'\'' --columns id,name,metrics.auc\n'
mlv runs --filter 'metrics.auc > 0.8 and params.epochs >= 8' --columns id,name,metrics.auc

step "What changed between the two runs"
run mlv params diff baseline tuned
run mlv metrics diff stage=baseline tuned
run mlv compare baseline tuned
printf '$ mlv compare --html runs.html baseline tuned\n'
mlv compare --html runs.html baseline tuned >/dev/null
printf 'report: runs.html, %s bytes, one self-contained page with a chart per metric\n' "$(wc -c < runs.html)"

step "Monitoring: has this week's data drifted from the training data?"
awk 'BEGIN {
	srand(99); print "id,age,income,city,label";
	split("paris,lyon,nantes,lille,nice", c, ",");
	for (i = 1; i <= 20000; i++)
		printf "%d,%d,%.2f,%s,%d\n", i, 18 + int(rand() * 60), 26000 + rand() * 90000, c[1 + int(rand() * rand() * 5)], rand() < 0.3
}' > batch.csv
printf '$ mlv schema infer data/train.csv@HEAD~1 > schema.json\n'
mlv schema infer data/train.csv@HEAD~1 > schema.json
run cat schema.json
printf '$ mlv validate --schema schema.json batch.csv\n'
mlv validate --schema schema.json batch.csv || printf '(exit %s: some checks failed)\n' "$?"
printf '$ mlv drift --exclude id data/train.csv@HEAD~1 batch.csv --html drift.html\n'
mlv drift --exclude id data/train.csv@HEAD~1 batch.csv --html drift.html || printf '(exit %s: the dataset drifted)\n' "$?"
printf 'report: drift.html, %s bytes, one self-contained page\n' "$(wc -c < drift.html)"

# ---- model registry (issue 5): register, promote with gates, roll back, history, lineage, card ----
step "Model registry: two training runs, each registered as a version of 'churn'"
# the runs call mlv themselves
case $MLV in */*) PATH="$(cd "$(dirname "$MLV")" && pwd):$PATH"; export PATH ;; esac
run mlv run -n train-v1 --dep data/train.csv -p depth=6 -- mlv log-metric auc=0.912
run mlv register churn models/model.bin --run train-v1 -m "baseline" \
	--tag intended_use="Rank customers by churn risk for the retention team"
head -c 2000000 /dev/urandom > models/model.bin
run mlv run -n train-v2 --dep data/train.csv -p depth=9 -- mlv log-metric auc=0.897
run mlv register churn models/model.bin --run train-v2 -m "deeper trees"

step "Promote with gates: version 1 to staging, then to production"
run mlv promote churn@1 staging --gate 'metrics.auc >= 0.9'
run mlv promote churn@1 production --gate 'metrics.auc >= staging.metrics.auc'

step "A failing gate: version 2 scores below production, so nothing moves"
printf "\$ mlv promote churn@2 production --gate 'metrics.auc >= production.metrics.auc - 0.005'\n"
mlv promote churn@2 production --gate 'metrics.auc >= production.metrics.auc - 0.005' ||
	printf '(exit %s: a gate failed; production still holds version %s)\n' "$?" \
		"$(mlv resolve --json churn@production | sed 's/.*"version":\([0-9]*\).*/\1/')"

step "Version 2 goes out with a looser gate, misbehaves, and is rolled back"
run mlv promote churn@2 production --gate 'metrics.auc >= 0.85' -m "accept a small drop for latency"
run mlv rollback churn production -m "v2 misbehaves in production"
run mlv resolve churn@production

step "The audit trail: every event, where production pointed, what version 1 came from"
run mlv history churn
run mlv lineage churn@production
printf '$ mlv drift --exclude id churn@production:data batch.csv | tail -2\n'
{ mlv drift --exclude id churn@production:data batch.csv || :; } | tail -2

step "A model card, generated from what the registry recorded"
run mlv card churn@production
# ---- end of the model registry section ----

printf '\nDone. The sample project was in %s (now removed).\n' "$work"
