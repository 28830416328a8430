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
node --import tsx -e '
const { readFileSync, readdirSync } = require("node:fs");
const { compare, describeComparison, formatP, formatSpread, spread, studentTwoSided } = require("./experiments/lib/stats");
const dir = process.argv[1];
const rows = readdirSync(dir).filter((f) => /^(restart|lineage)-\d+\.json$/.test(f)).map((f) => {
  const r = JSON.parse(readFileSync(`${dir}/${f}`, "utf8")).result;
  const best = r.best;
  const winner = (r.finalists ?? []).find((x) => x.candidateId === best.candidateId);
  const ops = r.operations ?? [];
  const vs = ops.reduce((a, o) => ({ c: a.c + (o.againstControl?.compared ?? 0), b: a.b + (o.againstControl?.beat ?? 0) }), { c: 0, b: 0 });
  return { mode: f.split("-")[0], seed: Number(f.split("-")[1].split(".")[0]), id: best.candidateId, test: winner?.testAcc ?? NaN,
    val: best.valAcc, flops: best.lineageTrainFlops ?? NaN, epochs: best.lineageEpochs,
    scratchTest: r.scratch?.testAcc ?? NaN, scratchFlops: r.scratch?.trainFlops ?? NaN, scratchEpochs: r.scratch?.epochs,
    beatControl: `${vs.b}/${vs.c}`, candidates: r.candidates };
}).sort((a, b) => a.mode.localeCompare(b.mode) || a.seed - b.seed);
const g = (n) => (n / 1e9).toFixed(1);
console.log("| mode | seed | winner | lineage epochs | winner test acc | lineage GFLOPs | scratch epochs | scratch test acc | scratch GFLOPs | children beating their continue control | candidates |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.mode} | ${r.seed} | ${r.id} | ${r.epochs} | ${r.test.toFixed(4)} | ${g(r.flops)} | ${r.scratchEpochs} | ${r.scratchTest.toFixed(4)} | ${g(r.scratchFlops)} | ${r.beatControl} | ${r.candidates} |`);
const of = (m, k) => spread(rows.filter((r) => r.mode === m).map((r) => r[k]));
for (const k of ["test", "scratchTest"]) {
  const [l, s] = [of("lineage", k), of("restart", k)];
  console.log(`\n- ${k === "test" ? "winner" : "scratch control"} test acc: lineage ${formatSpread(l)} (n ${l.n}), restart ${formatSpread(s)} (n ${s.n}); ${describeComparison("lineage", "restart", compare(l, s))}`);
}
// Paired over seeds (each search against its own control): a one-sample t-test of the differences.
for (const m of ["restart", "lineage"]) {
  const d = spread(rows.filter((r) => r.mode === m).map((r) => r.test - r.scratchTest));
  const t = d.mean / (d.std / Math.sqrt(d.n));
  const p = d.n > 1 && d.std > 0 ? formatP(studentTwoSided(t, d.n - 1)) : "not tested";
  console.log(`- ${m}: winner − its FLOP-matched scratch control, test acc: ${formatSpread(d)} over ${d.n} seeds (paired t ${t.toFixed(2)}, df ${d.n - 1}, ${p})`);
}
' "$out"
