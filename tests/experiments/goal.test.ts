/**
 * The goal driver at test size: a real `netgrow search` from seed-ga (experiments/goal.yaml,
 * shrunk by --set to a tiny synthetic dataset and three candidates), its scratch control, the
 * same-time control, and the report of that search read back again with `reuse`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUPS, runGoal } from '../../experiments/goal';
import { checkSummary, tempPlace, TINY_DATA } from './support';

test('goal driver: search, winner, both controls from scratch; a finished search reported again', async (t) => {
  const { out, results } = await tempPlace('goal', t);
  const small = ['--set', 'candidates=3', '--set', 'epochs=1', '--set', 'timeControl=true'];
  const argv = [...TINY_DATA, ...small, '--set', 'maxControlEpochs=2', '--out', out, '--results', results];
  const r = await runGoal(argv, () => {});
  const groups = [GROUPS.grown, GROUPS.lineage, GROUPS.time];
  const s = checkSummary(r, results, groups, 1);
  const [grown, lineage, time] = groups.map((g) => s.runs.find((x) => x.group === g)!);
  assert.equal(lineage.epochs, grown.epochs, "the scratch control trains the winner lineage's epochs");
  assert.ok(time.epochs >= 1 && time.epochs <= 2, `time control: ${time.epochs} epochs`);
  assert.ok([grown, lineage, time].every((x) => x.testAcc !== null && x.params === grown.params));
  assert.match(s.notes[0], /^goal 93\.5% test accuracy: (not )?reached; the winner scored [\d.]+%/);
  assert.match(s.notes[1], /^the search trained 3 candidates, \d+ epochs in all/);

  // The same search, reported again without training anything: same winner and figures.
  const again = await runGoal([...argv, '--set', 'reuse=true', '--set', 'timeControl=false'], () => {});
  const g = (x: typeof s, name: string) => x.groups.find((f) => f.group === name)!.values;
  assert.deepEqual(g(again.summary, GROUPS.grown), g(s, GROUPS.grown));
  assert.deepEqual(g(again.summary, GROUPS.lineage), g(s, GROUPS.lineage));
  assert.equal(again.summary.runs.length, 2);
});
