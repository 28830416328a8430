/**
 * Experiment 6's driver at test size: two real `netgrow search` runs (embedded Temporal server,
 * trainer child processes) on a tiny synthetic dataset, with and without distillation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODES, runDistill } from '../../experiments/distill';
import { checkSummary, tempPlace } from './support';

test('distill driver: a search per mode, children figures, report and table', async (t) => {
  const { out, results } = await tempPlace('distill', t);
  const argv = ['--set', 'dataset=synthetic:8x8x1:256:4c', '--set', 'limit=1', '--set', 'validation=0.25'];
  const small = [
    '--set',
    'seeds=1',
    '--set',
    'start=seed-ga',
    '--set',
    'population=2',
    '--set',
    'generations=1',
  ];
  const r = await runDistill(
    [...argv, ...small, '--set', 'epochs=1', '--out', out, '--results', results],
    () => {},
  );
  const s = checkSummary(r, results, MODES, 1);
  for (const mode of MODES) {
    const runs = s.runs.filter((x) => x.group === mode);
    assert.equal(runs.length, 3, `${mode}: start model + 2 children`);
  }
  // One seed: no spread, so nothing is claimed.
  assert.ok(s.comparisons.every((c) => c.withinNoise));
});
