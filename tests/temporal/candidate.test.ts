import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrainActivityInput } from '../../src/contracts/activities';
import { SearchConfig } from '../../src/search/config';
import { candidateSettings } from '../../src/search/train-spec';
import { TASK_QUEUES } from '../../src/temporal/config';
import { candidateWorkflow, type CandidateInput } from '../../workflows';
import { activityInputs, runsOf, startTemporal, type TemporalTestEnv } from '../support/temporal';
import { scriptedActivities, scriptedValAcc, type ScriptOptions } from './activities';

let env: TemporalTestEnv;
before(async () => {
  env = await startTemporal();
});
after(async () => {
  await env?.stop();
});

const experimentUri = 'file:///tmp/netgrow-test/experiments/cand';

function input(candidateId: string, configOver: object = {}): CandidateInput {
  const config = SearchConfig.parse({ name: 'cand', dataset: {}, ...configOver });
  return {
    experimentId: 'cand',
    experimentUri,
    generation: 1,
    child: { parentId: 'g0-c0', childId: candidateId, seed: 5, mutations: 2 },
    parent: {
      kind: 'candidate',
      candidateId: 'g0-c0',
      checkpoint: `${experimentUri}/candidates/g0-c0/runs/g0-c0-a1/final`,
    },
    settings: candidateSettings(config),
  };
}

async function run(workflowId: string, args: CandidateInput, script: ScriptOptions = {}) {
  const activities = scriptedActivities(script);
  const result = await env.withWorkers(activities, () =>
    env.client.workflow.execute(candidateWorkflow, {
      workflowId,
      taskQueue: TASK_QUEUES.orchestration,
      args: [args],
    }),
  );
  const [{ events }] = await runsOf(env.client, workflowId);
  return { result, activities, trains: activityInputs<TrainActivityInput>(events, 'train') };
}

describe('candidateWorkflow on a real Temporal server', () => {
  test('mutate → train: a completed candidate ranked by the trainer’s own validation score', async () => {
    const { result, activities, trains } = await run('cand-ok', input('g1-c0'));
    assert.equal(result.entry.status, 'completed');
    assert.equal(result.entry.parentId, 'g0-c0');
    assert.equal(result.entry.ops.length, 2, 'two sampled commands');
    assert.equal(result.attempts, 1);
    assert.equal(result.entry.checkpoint, `${experimentUri}/candidates/g1-c0/runs/g1-c0-a1/final`);
    assert.equal(typeof result.entry.valAcc, 'number');
    assert.equal(trains.length, 1);
    assert.equal(trains[0].spec.runId, 'g1-c0-a1');
    assert.equal(trains[0].spec.checkpoint, `${experimentUri}/candidates/g1-c0`);
    assert.equal(trains[0].spec.scoreTest, false, 'a candidate never scores the test split');
    assert.equal(activities.calls.evaluate.length, 0, 'no separate evaluation');
    assert.equal(result.entry.valAcc, scriptedValAcc('g1-c0', result.entry.params));
    assert.equal(result.testAcc, null);
    assert.deepEqual(
      result.events.map((e) => e.type),
      ['mutation', 'mutation', 'training'],
    );
  });

  test('a diverged run is retried with the lower learning rate, visible in the history', async () => {
    // Diverges while lr > 0.01: the first try (0.05) diverges, the retry at 0.005 trains.
    const { result, trains } = await run('cand-retry', input('g1-c1'), { divergeAboveLr: { 'g1-c1': 0.01 } });
    assert.equal(result.entry.status, 'completed');
    assert.equal(result.attempts, 2);
    assert.deepEqual(
      trains.map((t) => t.attempt),
      [1, 2],
    );
    assert.deepEqual(
      trains.map((t) => t.spec.runId),
      ['g1-c1-a1', 'g1-c1-a2'],
    );
    assert.deepEqual(
      trains.map((t) => t.adjustment),
      [{}, { lrScale: 0.1 }],
    );
    const lrs = trains.map((t) => t.spec.optimizer?.lr ?? NaN);
    assert.ok(Math.abs(lrs[0] - 0.05) < 1e-12 && Math.abs(lrs[1] - 0.005) < 1e-12, `lr ${lrs.join(', ')}`);
    const statuses = result.events
      .filter((e) => e.type === 'training')
      .map((e) => e.type === 'training' && e.status);
    assert.deepEqual(statuses, ['diverged', 'completed']);
    assert.equal(result.trainSeconds, 120, 'both runs count towards the GPU budget');
  });

  test('diverging after every retry ends the candidate as diverged, without evaluation', async () => {
    const { result, activities, trains } = await run('cand-diverged', input('g1-c2'), {
      divergeAboveLr: { 'g1-c2': 0 },
    });
    assert.equal(result.entry.status, 'diverged');
    assert.equal(result.attempts, 4, 'the first try and three retries');
    assert.deepEqual(
      trains.map((t) => t.adjustment),
      [{}, { lrScale: 0.1 }, { lrScale: 0.1, clipNorm: 1 }, { lrScale: 0.1, clipNorm: 1, batchScale: 0.5 }],
    );
    assert.deepEqual(
      trains.map((t) => t.spec.clipNorm),
      [undefined, undefined, 1, 1],
    );
    assert.deepEqual(
      trains.map((t) => t.spec.batchSize),
      [64, 64, 64, 32],
    );
    assert.equal(activities.calls.evaluate.length, 0);
    assert.equal(result.entry.checkpoint, null);
  });

  test('an OOM-killed run trains again as a new run with half the batch; past oom.retries the candidate fails', async () => {
    const { result, trains } = await run('cand-oom', input('g1-c5'), {
      outOfMemory: { 'g1-c5-a1': 1 },
      deviceSeconds: 7,
    });
    assert.equal(result.entry.status, 'completed');
    assert.equal(result.deviceSeconds, 14, 'the killed run used its device too');
    assert.deepEqual(
      trains.map((t) => [t.spec.runId, t.spec.batchSize, t.oomRetry, t.adjustment]),
      [
        ['g1-c5-a1', 64, undefined, {}],
        ['g1-c5-a1-oom1', 32, 1, { batchScale: 0.5 }],
      ],
    );
    const training = result.events.filter((e) => e.type === 'training');
    assert.deepEqual(
      training.map((e) => e.type === 'training' && [e.runId, e.adjustment]),
      [['g1-c5-a1-oom1', { batchScale: 0.5 }]],
    );

    const twice = await run('cand-oom-twice', input('g1-c6'), {
      outOfMemory: { 'g1-c6-a1': 1, 'g1-c6-a1-oom1': 1 },
      deviceSeconds: 7,
    });
    assert.equal(twice.result.entry.status, 'failed');
    assert.equal(twice.result.deviceSeconds, 14);
    assert.match(twice.result.error ?? '', /^train: run g1-c6-a1-oom1: pod \S+ OOMKilled/);
    assert.deepEqual(
      twice.activities.calls.train.map((t) => t.spec.runId),
      ['g1-c6-a1', 'g1-c6-a1-oom1'],
      'neither retried by Temporal',
    );
  });

  test('with oom.retries empty, Temporal retries an OOM-killed run unchanged', async () => {
    const { result, activities, trains } = await run(
      'cand-oom-plain',
      input('g1-c7', { oom: { retries: [] } }),
      {
        outOfMemory: { 'g1-c7-a1': 1 },
      },
    );
    assert.equal(result.entry.status, 'completed');
    assert.equal(trains.length, 1, 'one activity call');
    assert.deepEqual(
      activities.calls.train.map((t) => [t.spec.runId, t.spec.batchSize]),
      [
        ['g1-c7-a1', 64],
        ['g1-c7-a1', 64],
      ],
    );
  });

  test('a refused mutation is a failed candidate with the reason in its leaderboard entry, not a failed workflow', async () => {
    const { result, activities } = await run('cand-refused', input('g1-c3'), { refuseMutation: ['g1-c3'] });
    assert.equal(result.entry.status, 'failed');
    assert.equal(result.error, 'mutate: cannot apply the command to g1-c3');
    assert.equal(result.entry.error, result.error, 'the leaderboard says why');
    assert.equal(activities.calls.mutate.length, 1, 'a MorphError is not retried');
    assert.equal(activities.calls.train.length, 0);
  });

  test('with distillation on, the parent checkpoint is the teacher', async () => {
    const args = input('g1-c4', { distill: { enabled: true, temperature: 2 } });
    const { trains } = await run('cand-distill', args);
    assert.deepEqual(trains[0].spec.distill, {
      enabled: true,
      teacher: `${experimentUri}/candidates/g0-c0/runs/g0-c0-a1/final`,
      temperature: 2,
      alpha: 0.5,
    });
  });
});
