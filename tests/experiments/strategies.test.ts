/**
 * Experiment 5's driver at test size: a real `netgrow search` per strategy (GA, random, hill,
 * plan) on a tiny synthetic dataset, one candidate after the start model each.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { STRATEGIES, runStrategies, sumOperations } from '../../experiments/strategies';
import { checkSummary, tempPlace, TINY_DATA } from './support';

test('strategies driver: one search per strategy at one budget, with best-so-far curves and op statistics', async (t) => {
  const { out, results } = await tempPlace('strategies', t);
  const small = ['--set', 'seeds=1', '--set', 'population=1', '--set', 'generations=1', '--set', 'epochs=1'];
  const r = await runStrategies(
    [...TINY_DATA, ...small, '--set', 'width=0.125', '--out', out, '--results', results],
    () => {},
  );
  const s = checkSummary(r, results, STRATEGIES, 1);
  for (const run of s.runs) {
    assert.equal(run.epochs, 2, `${run.group}: the start model and one child`);
    const curve = run.curve.map((p) => p.valAcc!);
    assert.ok(curve[1] >= curve[0], `${run.group}: best so far never falls`);
  }
  const plan = s.runs.find((x) => x.group === 'plan')!;
  assert.ok(
    s.notes.some((n) => n.startsWith('plan, seed 1:')),
    s.notes.join('\n'),
  );
  assert.ok(plan.params! > 0);
  assert.match(readFileSync(results, 'utf8'), /\| plan \| deeper \| 1 \|/, 'the plan chose its one command');
});

test('per-operation statistics of several searches add up, the mean gain weighted by count', () => {
  const sum = sumOperations([
    [{ op: 'wider', chosen: 2, compared: 2, beatParent: 1, meanGain: 0.01 }],
    [
      { op: 'wider', chosen: 1, compared: 1, beatParent: 1, meanGain: 0.04 },
      { op: 'deeper', chosen: 1, compared: 0, beatParent: 0, meanGain: null },
    ],
  ]);
  assert.deepEqual(sum, [
    { op: 'wider', chosen: 3, compared: 3, beatParent: 2, meanGain: 0.02 },
    { op: 'deeper', chosen: 1, compared: 0, beatParent: 0, meanGain: null },
  ]);
});
