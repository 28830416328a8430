/**
 * Experiment 2's driver at test size: one real `netgrow search` (embedded Temporal server,
 * trainer child processes) with the scratch control, on a tiny synthetic dataset.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUPS, runGrownVsScratch } from '../../experiments/grown-vs-scratch';
import { checkSummary, tempPlace, TINY_DATA } from './support';

test('grown-vs-scratch driver: the winner along its lineage against its architecture from scratch', async (t) => {
  const { out, results } = await tempPlace('scratch', t);
  const small = ['--set', 'seeds=1', '--set', 'population=2', '--set', 'generations=1', '--set', 'epochs=1'];
  const r = await runGrownVsScratch([...TINY_DATA, ...small, '--out', out, '--results', results], () => {});
  const s = checkSummary(r, results, GROUPS, 1);
  const [grown, scratch] = GROUPS.map((g) => s.runs.find((x) => x.group === g)!);
  // The control trains exactly the epochs the winner's lineage accumulated.
  assert.equal(scratch.epochs, grown.epochs);
  assert.ok(grown.epochs === 1 || grown.epochs === 2, `lineage epochs ${grown.epochs}`);
  assert.equal(grown.params, scratch.params, 'the same architecture');
  assert.ok(
    s.notes.some((n) => /^seed 1: winner g[01]-c\d/.test(n)),
    s.notes.join('\n'),
  );
});
