#!/usr/bin/env bash
# lenet on the full Fashion-MNIST with netgrow's default recipe (the TrainSpec defaults: SGD
# lr 0.05 momentum 0.9, batch 64, cosine-annealed rate, per-channel standardisation, 10% validation),
# trained from scratch by `netgrow train --spec`. The figures go to docs/RESULTS.md.
#
# usage: bash experiments/fashion-lenet.sh   (env: EPOCHS=15 SEED=0 OUT=runs/experiments/fashion-lenet,
#        NETGROW_BACKEND=wasm|cpu|tensorflow). Rerunning resumes from the last epoch checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${EPOCHS:-15}
out=${OUT:-runs/experiments/fashion-lenet}
mkdir -p "$out"
cat >"$out/spec.json" <<JSON
{
  "runId": "fashion-lenet",
  "checkpoint": "builtin:lenet",
  "output": "$out",
  "seed": ${SEED:-0},
  "dataset": { "name": "fashion-mnist" },
  "epochs": $epochs,
  "logEverySteps": 100
}
JSON
echo "spec: $out/spec.json"
# Progress lines are for parent processes; keep them out of the terminal but in the log.
node bin/netgrow.js train --spec "$out/spec.json" 2>&1 | tee "$out/console.log" | grep -v '^NETGROW_PROGRESS '
echo "result: $out/result.json"
node -e "const r=require('./$out/result.json'); console.log('test accuracy', r.test && r.test.acc, 'epochs', r.epochsRun, 'wall', Math.round(r.wallSeconds)+'s')"
