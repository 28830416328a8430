/**
 * The table of experiments/continue-ablation.sh, the 2x2 of `train.continue` (restart, lineage)
 * × `mutation.init` (preserve, random): each search's winner (test accuracy, lineage training
 * FLOPs), its FLOP-matched scratch control and how many children beat their continue control;
 * then per cell n, mean ± sd and range of the winners' test accuracy, Welch's t-tests between
 * the cells (preserve vs random within each mode, lineage vs restart within each init) and, per
 * cell, a paired t-test of winner minus its own control over the seeds. Reads the
 * `netgrow search --json` outcomes in the folder given: `<mode>-<seed>.json` (preserve) and
 * `<mode>-random-<seed>.json`.
 *
 * usage: node --import tsx experiments/continue-ablation-table.ts <folder>
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { SearchResult } from '../src/contracts/search';
import {
  compare,
  compareOne,
  describeComparison,
  formatP,
  formatSpread,
  spread,
  type Spread,
  studentTwoSided,
} from './lib/stats';

type Mode = 'restart' | 'lineage';
type Init = 'preserve' | 'random';
const MODES: Mode[] = ['restart', 'lineage'];
const INITS: Init[] = ['preserve', 'random'];
const OUTCOME = /^(restart|lineage)(-random)?-(\d+)\.json$/;

interface Row {
  mode: Mode;
  init: Init;
  seed: number;
  id: string;
  /** The winner's own step: its commands, or `continue control` (its parent trained on unchanged). */
  step: string;
  test: number;
  flops: number;
  epochs: number | undefined;
  scratchTest: number;
  scratchFlops: number;
  scratchEpochs: number | undefined;
  beatControl: string;
  candidates: number;
}

function row(dir: string, file: string): Row {
  const r = (JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as { result: SearchResult }).result;
  const best = r.best;
  if (!best) throw new Error(`${file}: the search has no winner`);
  const winner = (r.finalists ?? []).find((x) => x.candidateId === best.candidateId);
  const vs = (r.operations ?? []).reduce(
    (a, o) => ({ c: a.c + (o.againstControl?.compared ?? 0), b: a.b + (o.againstControl?.beat ?? 0) }),
    { c: 0, b: 0 },
  );
  const [, mode, random, seed] = OUTCOME.exec(file)!;
  return {
    mode: mode as Mode,
    init: random ? 'random' : 'preserve',
    seed: Number(seed),
    id: best.candidateId,
    step: best.control ? `${best.control} control` : best.ops.join('; ') || 'start',
    test: winner?.testAcc ?? NaN,
    flops: best.lineageTrainFlops ?? NaN,
    epochs: best.lineageEpochs,
    scratchTest: r.scratch?.testAcc ?? NaN,
    scratchFlops: r.scratch?.trainFlops ?? NaN,
    scratchEpochs: r.scratch?.epochs,
    beatControl: `${vs.b}/${vs.c}`,
    candidates: r.candidates,
  };
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --import tsx experiments/continue-ablation-table.ts <folder of outcomes>');
  process.exit(2);
}
const rows = readdirSync(dir)
  .filter((f) => OUTCOME.test(f))
  .map((f) => row(dir, f))
  .sort((a, b) => a.mode.localeCompare(b.mode) || a.init.localeCompare(b.init) || a.seed - b.seed);
const g = (n: number) => (n / 1e9).toFixed(1);
console.log(
  '| mode | init | seed | winner | its step | lineage epochs | winner test acc | lineage GFLOPs | scratch epochs | scratch test acc | scratch GFLOPs | children beating their continue control | candidates |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.mode} | ${r.init} | ${r.seed} | ${r.id} | ${r.step} | ${r.epochs} | ${r.test.toFixed(4)} | ${g(r.flops)} | ${r.scratchEpochs} | ${r.scratchTest.toFixed(4)} | ${g(r.scratchFlops)} | ${r.beatControl} | ${r.candidates} |`,
  );
}
const cell = (m: Mode, i: Init) => rows.filter((r) => r.mode === m && r.init === i);
const of = (m: Mode, i: Init, k: 'test' | 'scratchTest') => spread(cell(m, i).map((r) => r[k]));
const range = (s: Spread) => (s.n ? `${s.min.toFixed(4)}–${s.max.toFixed(4)}` : '—');

console.log(
  '\n| mode | init | n | winner test acc, mean ± sd | range | scratch control test acc, mean ± sd |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const m of MODES) {
  for (const i of INITS) {
    const w = of(m, i, 'test');
    console.log(
      `| ${m} | ${i} | ${w.n} | ${formatSpread(w)} | ${range(w)} | ${formatSpread(of(m, i, 'scratchTest'))} |`,
    );
  }
}

/**
 * Welch's test of a against b; with one search on a side (a cell still running), that search
 * against the other side's seeds (compareOne: is it a likely new draw of them?); else what is missing.
 */
function welch(aName: string, a: Spread, bName: string, b: Spread): string {
  const n = `(n ${a.n} and ${b.n})`;
  if (a.n === 0 || b.n === 0) return `${aName} vs ${bName}: not tested ${n}`;
  if (a.n === 1 && b.n > 1)
    return `${describeComparison(aName, bName, compareOne(a.mean, b))} ${n}, one search against seeds`;
  if (b.n === 1 && a.n > 1) {
    const c = compareOne(b.mean, a);
    return `${describeComparison(aName, bName, { ...c, diff: -c.diff, t: c.t === null ? null : -c.t })} ${n}, one search against seeds`;
  }
  return `${describeComparison(aName, bName, compare(a, b))} ${n}`;
}

console.log(
  "\nWinner test acc, Welch's t-tests (with one search on a side: the prediction-interval t of that search against the other side's seeds):",
);
for (const m of MODES) {
  const [p, r] = [of(m, 'preserve', 'test'), of(m, 'random', 'test')];
  console.log(`- ${m}: ${welch('preserve', p, 'random', r)}`);
}
for (const i of INITS) {
  const [l, r] = [of('lineage', i, 'test'), of('restart', i, 'test')];
  console.log(`- ${i}: ${welch('lineage', l, 'restart', r)}`);
}
// Paired over seeds (each search against its own control): a one-sample t-test of the differences.
console.log('\nWinner − its FLOP-matched scratch control, test acc, paired over seeds:');
for (const m of MODES) {
  for (const i of INITS) {
    const d = spread(cell(m, i).map((r) => r.test - r.scratchTest));
    const t = d.mean / (d.std / Math.sqrt(d.n));
    const p =
      d.n > 1 && d.std > 0
        ? `paired t ${t.toFixed(2)}, df ${d.n - 1}, ${formatP(studentTwoSided(t, d.n - 1))}`
        : 'not tested';
    console.log(`- ${m} × ${i}: ${formatSpread(d)} over ${d.n} seeds (${p})`);
  }
}
