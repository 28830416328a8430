import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSearchConfig } from '../../src/experiment/prepare';
import { startGrow } from '../../src/temporal/client';
import { growStagesQuery, type GrowPlan } from '../../workflows';
import { startTemporal, type TemporalTestEnv } from '../support/temporal';
import { scriptedActivities } from './activities';

let env: TemporalTestEnv;
before(async () => {
  env = await startTemporal();
});
after(async () => {
  await env?.stop();
});

async function plan(experimentId: string, stages: string[]): Promise<GrowPlan> {
  const config = await parseSearchConfig(
    { name: 'grow', dataset: {}, start: { arch: 'seed-teacher' }, strategy: { kind: 'plan', stages } },
    'test',
  );
  return { experimentId, experimentUri: `file:///tmp/netgrow-test/experiments/${experimentId}`, config };
}

describe('growWorkflow on a real Temporal server', () => {
  test("the seed's plan: the start model, then each stage grown from the last and trained", async () => {
    const activities = scriptedActivities();
    const input = await plan('grow-ok', ['deeper conv2; deeper fc1', 'wider conv2 x2', 'wider fc1 x2']);
    const result = await env.withWorkers(activities, async () => {
      const handle = await startGrow(env.client, input);
      const done = await handle.result();
      assert.deepEqual(await handle.query(growStagesQuery), done.stages);
      return done;
    });
    assert.equal(result.status, 'completed');
    assert.deepEqual(
      result.stages.map((s) => [s.stage, s.candidateId, s.ops.join('; '), s.status]),
      [
        [0, 'g0-c0', '', 'completed'],
        [1, 'g1-c0', 'deeper conv2; deeper fc1', 'completed'],
        [2, 'g2-c0', 'wider conv2 x2', 'completed'],
        [3, 'g3-c0', 'wider fc1 x2', 'completed'],
      ],
    );
    assert.ok(result.stages.every((s) => typeof s.valAcc === 'number'));
    // Only the grown network's test split is scored, once, after the plan.
    assert.deepEqual(
      result.stages.map((s) => s.testAcc !== null),
      [false, false, false, true],
    );
    assert.deepEqual(
      activities.calls.testFinalists.map((c) => c.finalists.map((f) => f.candidateId)),
      [['g3-c0']],
    );
    assert.ok(
      result.stages.every((s, i) => i === 0 || s.params > result.stages[i - 1].params),
      'each stage grows',
    );
    const from = activities.calls.mutate.map((m) =>
      m.parent.kind === 'start' ? m.parent.arch : m.parent.candidateId,
    );
    assert.deepEqual(from, ['seed-teacher', 'g0-c0', 'g1-c0', 'g2-c0']);
    assert.deepEqual(
      activities.calls.report.map((r) => [r.reason, r.best]),
      [['plan completed', 'g3-c0']],
    );
  });

  test('a stage that diverges after every retry ends the plan there', async () => {
    const activities = scriptedActivities({ divergeAboveLr: { 'g1-c0': 0 } });
    const input = await plan('grow-diverged', ['deeper conv2', 'wider conv2 x2']);
    const result = await env.withWorkers(activities, async () =>
      (await startGrow(env.client, input)).result(),
    );
    assert.equal(result.status, 'diverged');
    assert.deepEqual(
      result.stages.map((s) => s.status),
      ['completed', 'diverged'],
    );
    assert.equal(result.stages[1].attempts, 4);
    assert.equal(activities.calls.mutate.length, 2, 'stage 2 never starts');
  });
});
