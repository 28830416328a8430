/**
 * The table of experiments/continue-ablation.sh: each search's winner (test accuracy, lineage
 * training FLOPs), its FLOP-matched scratch control and how many children beat their continue
 * control, then Welch's t-test between the modes and, per mode, a paired t-test of winner minus
 * its own control over the seeds. Reads the `netgrow search --json` outcomes in the folder given.
 *
 * usage: node --import tsx experiments/continue-ablation-table.ts <folder>
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { SearchResult } from '../src/contracts/search';
import { compare, describeComparison, formatP, formatSpread, spread, studentTwoSided } from './lib/stats';

interface Row {
  mode: 'restart' | 'lineage';
  seed: number;
  id: string;
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
  const [mode, seed] = file.replace(/\.json$/, '').split('-');
  return {
    mode: mode as Row['mode'],
    seed: Number(seed),
    id: best.candidateId,
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
  .filter((f) => /^(restart|lineage)-\d+\.json$/.test(f))
  .map((f) => row(dir, f))
  .sort((a, b) => a.mode.localeCompare(b.mode) || a.seed - b.seed);
const g = (n: number) => (n / 1e9).toFixed(1);
console.log(
  '| mode | seed | winner | lineage epochs | winner test acc | lineage GFLOPs | scratch epochs | scratch test acc | scratch GFLOPs | children beating their continue control | candidates |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.mode} | ${r.seed} | ${r.id} | ${r.epochs} | ${r.test.toFixed(4)} | ${g(r.flops)} | ${r.scratchEpochs} | ${r.scratchTest.toFixed(4)} | ${g(r.scratchFlops)} | ${r.beatControl} | ${r.candidates} |`,
  );
}
const of = (m: Row['mode'], k: 'test' | 'scratchTest') =>
  spread(rows.filter((r) => r.mode === m).map((r) => r[k]));
for (const k of ['test', 'scratchTest'] as const) {
  const [l, s] = [of('lineage', k), of('restart', k)];
  const what = k === 'test' ? 'winner' : 'scratch control';
  console.log(
    `\n- ${what} test acc: lineage ${formatSpread(l)} (n ${l.n}), restart ${formatSpread(s)} (n ${s.n}); ${describeComparison('lineage', 'restart', compare(l, s))}`,
  );
}
// Paired over seeds (each search against its own control): a one-sample t-test of the differences.
for (const m of ['restart', 'lineage'] as const) {
  const d = spread(rows.filter((r) => r.mode === m).map((r) => r.test - r.scratchTest));
  const t = d.mean / (d.std / Math.sqrt(d.n));
  const p = d.n > 1 && d.std > 0 ? formatP(studentTwoSided(t, d.n - 1)) : 'not tested';
  console.log(
    `- ${m}: winner − its FLOP-matched scratch control, test acc: ${formatSpread(d)} over ${d.n} seeds (paired t ${t.toFixed(2)}, df ${d.n - 1}, ${p})`,
  );
}
