/** Experiment 1's driver at test size: teacher, two students × their controls, two seeds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUPS, runNet2Net } from '../../experiments/net2net';
import { checkSummary, tempPlace, TINY_DATA } from './support';

test('net2net driver: teacher and students per seed, figures, report and table', async (t) => {
  const { out, results } = await tempPlace('n2n', t);
  const argv = [...TINY_DATA, '--set', 'seeds=2', '--set', 'width=0.125', '--set', 'teacherEpochs=2'];
  const r = await runNet2Net(
    [...argv, '--set', 'studentEpochs=2', '--out', out, '--results', results],
    () => {},
  );
  const s = checkSummary(r, results, GROUPS, 2);
  assert.equal(s.runs.length, 2 * GROUPS.length, 'one run per group and seed');
  const students = s.runs.filter((x) => x.group !== 'teacher');
  assert.ok(students.every((x) => x.epochs === 2));
  // The wider students share one architecture, bigger than the teacher's.
  const params = (g: string) => s.runs.find((x) => x.group === g)!.params!;
  assert.equal(params('wider net2net'), params('wider random-init'));
  assert.equal(params('wider net2net'), params('wider random-pad'));
  assert.ok(params('wider net2net') > params('teacher'));
  assert.equal(params('deeper net2net'), params('deeper random-init'));
  assert.equal(s.comparisons.length, 6);
});
