/** Experiment 4's driver at test size: both orders, two stages each, two seeds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runOrder } from '../../experiments/order';
import { checkSummary, tempPlace, TINY_DATA } from './support';

test('order driver: deeper→wider and wider→deeper reach one architecture; figures, report and table', async (t) => {
  const { out, results } = await tempPlace('order', t);
  const argv = [...TINY_DATA, '--set', 'seeds=2', '--set', 'width=0.125', '--set', 'teacherEpochs=1'];
  const r = await runOrder([...argv, '--set', 'stageEpochs=1', '--out', out, '--results', results], () => {});
  const s = checkSummary(r, results, ['teacher', 'deeper→wider', 'wider→deeper'], 2);
  assert.equal(s.runs.length, 2 * 5, 'per seed: teacher + 2 orders × 2 stages');
  // Both orders end with the same parameter count (the driver also checks the graphs are equal).
  const finalParams = (g: string) =>
    s.runs.filter((x) => x.group === g && x.runId.includes('stage2')).map((x) => x.params);
  assert.deepEqual(finalParams('deeper→wider'), finalParams('wider→deeper'));
});
