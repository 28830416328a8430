#!/usr/bin/env bash
# Issue 19's 2x2 ablation: restart vs lineage-continuous training (`train.continue`) ×
# function-preserving vs random-initialised new units (`mutation.init`). Runs
# experiments/continue-ablation.yaml once per seed, init and mode, one search at a time, each a
# `netgrow search --json`; then a table of the winners' test accuracy and lineage training
# FLOPs, the FLOP-matched scratch controls and the continue controls, with Welch's t-tests
# between the cells (experiments/continue-ablation-table.ts, experiments/lib/stats.ts).
#
# usage: bash experiments/continue-ablation.sh
#   env: SEEDS="1 2 3", INITS="preserve random", OUT=runs/experiments/continue-ablation
# Outcomes are `<mode>-<seed>.json` (preserve) and `<mode>-random-<seed>.json` (random). A
# search whose JSON outcome is already in OUT is not run again.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-runs/experiments/continue-ablation}
mkdir -p "$out"
for seed in ${SEEDS:-1 2 3}; do
  for init in ${INITS:-preserve random}; do
    for mode in restart lineage; do
      cell=$mode
      [ "$init" = random ] && cell=$mode-random
      [ -s "$out/$cell-$seed.json" ] && continue
      sed -e "s/^seed: .*/seed: $seed/" -e "s/^name: .*/name: ablation-$cell-$seed/" \
        -e "s/^  continue: lineage$/  continue: $mode/" -e "s/^  init: preserve$/  init: $init/" \
        experiments/continue-ablation.yaml >"$out/$cell-$seed.yaml"
      echo "== $mode, $init, seed $seed" >&2
      node bin/netgrow.js search --config "$out/$cell-$seed.yaml" --headless --json >"$out/$cell-$seed.tmp" 2>"$out/$cell-$seed.log"
      mv "$out/$cell-$seed.tmp" "$out/$cell-$seed.json"
    done
  done
done
node --import tsx experiments/continue-ablation-table.ts "$out"
