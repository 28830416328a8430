#!/usr/bin/env bash
# Restart vs lineage-continuous training (issue 19): experiments/continue-ablation.yaml run once
# per seed and mode, one search at a time, each a `netgrow search --json`; then a table of the
# winners' test accuracy and lineage training FLOPs, the FLOP-matched scratch controls and the
# continue controls, with Welch's t-test between the modes (experiments/lib/stats.ts).
#
# usage: bash experiments/continue-ablation.sh   (env: SEEDS="1 2 3", OUT=runs/experiments/continue-ablation)
# A search whose JSON outcome is already in OUT is not run again.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-runs/experiments/continue-ablation}
mkdir -p "$out"
for seed in ${SEEDS:-1 2 3}; do
  for mode in restart lineage; do
    [ -s "$out/$mode-$seed.json" ] && continue
    sed -e "s/^seed: .*/seed: $seed/" -e "s/^name: .*/name: ablation-$mode-$seed/" \
      -e "s/^  continue: lineage$/  continue: $mode/" experiments/continue-ablation.yaml >"$out/$mode-$seed.yaml"
    echo "== $mode, seed $seed" >&2
    node bin/netgrow.js search --config "$out/$mode-$seed.yaml" --headless --json >"$out/$mode-$seed.tmp" 2>"$out/$mode-$seed.log"
    mv "$out/$mode-$seed.tmp" "$out/$mode-$seed.json"
  done
done
node --import tsx experiments/continue-ablation-table.ts "$out"
