/**
 * Activities that compute keep the worker's event loop free: the preservation check of a
 * mutation runs in a worker thread, and scoring checkpoints (evaluate, testFinalists) in a
 * child `netgrow evaluate`, while the activity heartbeats from a timer. On the event loop
 * (as before) a large check or a test-set pass would starve heartbeats, timers and child
 * process exits of every other activity on the worker.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { EvaluateOutput, FinalistTest, MutateInput, MutateOutput } from '../../src/contracts/activities';
import { initBackend } from '../../src/backend';
import { loadTrainingData } from '../../src/data';
import { InProcessExecutor } from '../../src/executor/inprocess';
import { openStore } from '../../src/storage';
import { runTraining } from '../../src/train/run';
import type { DatasetSpec, TrainResult } from '../../src/contracts/train';
import { quietActivityEnv } from './mock';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-activity-offloop-'));
  await initBackend({ log: () => undefined });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const uri = (...parts: string[]) => pathToFileURL(join(dir, ...parts)).href;
const BEAT_MS = 20;
const acts = () =>
  createActivities({
    executor: new InProcessExecutor(),
    openStore: (u) => openStore(u),
    mutateHeartbeatMs: BEAT_MS,
    scoreHeartbeatMs: BEAT_MS,
  });

/** Counts heartbeats, and how often a plain timer of this event loop fired, while `run` runs. */
async function watched<T>(run: (env: ReturnType<typeof quietActivityEnv>) => Promise<T>) {
  const env = quietActivityEnv();
  let beats = 0;
  env.on('heartbeat', () => beats++);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, BEAT_MS);
  const started = performance.now();
  try {
    const value = await run(env);
    return { value, beats, ticks, ms: performance.now() - started };
  } finally {
    clearInterval(ticker);
  }
}

/** At least a quarter of the intervals that passed: a loop blocked by the work fires ~once. */
function assertServed(what: string, count: number, ms: number): void {
  const due = Math.floor(ms / BEAT_MS);
  assert.ok(count >= due / 4, `${what}: ${count} in ${ms.toFixed(0)} ms (${due} intervals)`);
}

describe('compute in activities runs off the event loop', () => {
  test('a large mutation check runs in a thread; heartbeats and timers keep flowing', async (t) => {
    const input: MutateInput = {
      experimentUri: uri('exp'),
      parent: { kind: 'start', arch: 'vgg8' },
      childId: 'big',
      seed: 1,
      ops: ['wider conv1 x2', 'deeper conv2'],
      dataset: DATASET_32,
    };
    const { value, beats, ticks, ms } = await watched(
      (env) => env.run(acts().mutate, input) as Promise<MutateOutput>,
    );
    assert.equal(value.preserving, true);
    assert.ok(value.checkSeconds != null && value.checkSeconds > 0, 'the check reports its cost');
    t.diagnostic(`vgg8 check: ${value.checkSeconds} s in a thread; ${beats} heartbeats, ${ticks} ticks`);
    assertServed('heartbeats', beats, value.checkSeconds * 1000);
    assertServed('timer ticks', ticks, ms);
  });

  describe('scoring in a child netgrow evaluate', () => {
    let trained: TrainResult;
    before(async () => {
      trained = await runTraining(
        {
          runId: 'scored',
          checkpoint: 'builtin:seed-ga',
          output: uri('scored'),
          seed: 2,
          dataset: DATASET_8,
          epochs: 1,
          batchSize: 32,
          scoreTest: false,
        },
        { loadData: loadTrainingData, log: () => undefined },
      );
    });

    test("evaluate matches the trainer's own validation score, heartbeating meanwhile", async (t) => {
      assert.ok(trained.checkpoint && trained.validation);
      assert.equal(trained.test, null, 'the trainer left the test split alone (scoreTest: false)');
      const { value, beats, ticks, ms } = await watched(
        (env) =>
          env.run(acts().evaluate, {
            experimentUri: uri(),
            candidateId: 'scored',
            checkpoint: trained.checkpoint!,
            dataset: DATASET_8,
          }) as Promise<EvaluateOutput>,
      );
      t.diagnostic(`evaluate in a child process: ${ms.toFixed(0)} ms; ${beats} heartbeats, ${ticks} ticks`);
      assert.ok(Math.abs(value.valAcc - trained.validation.acc) < 1e-6);
      assert.ok(Math.abs(value.valLoss - trained.validation.loss) < 1e-4);
      assert.equal(value.params, trained.params);
      assert.ok(value.testAcc !== null && value.testAcc >= 0 && value.testAcc <= 1);
      assertServed('heartbeats', beats, ms);
      assertServed('timer ticks', ticks, ms);
    });

    test('testFinalists scores the test split of each finalist once, in order', async () => {
      const tests = (await quietActivityEnv().run(acts().testFinalists, {
        experimentUri: uri(),
        dataset: DATASET_8,
        finalists: [
          { candidateId: 'a', checkpoint: trained.checkpoint! },
          { candidateId: 'b', checkpoint: trained.checkpoint! },
        ],
      })) as FinalistTest[];
      assert.deepEqual(
        tests.map((f) => f.candidateId),
        ['a', 'b'],
      );
      assert.ok(tests[0].testAcc !== null && tests[0].testAcc === tests[1].testAcc);
    });

    test('a missing checkpoint is a non-retryable failure', async () => {
      const e = await quietActivityEnv()
        .run(acts().evaluate, {
          experimentUri: uri(),
          candidateId: 'gone',
          checkpoint: uri('no-such-run', 'final'),
          dataset: DATASET_8,
        })
        .then(
          () => assert.fail('expected a failure'),
          (err: unknown) => err,
        );
      assert.ok(e instanceof ApplicationFailure, String(e));
      assert.deepEqual([e.type, e.nonRetryable], ['BadInput', true]);
      assert.match(e.message, /no checkpoint at/);
    });
  });
});

const DATASET_8: DatasetSpec = {
  name: 'synthetic:8x8x1:256:4c',
  limit: 1,
  validation: 0.25,
  augment: false,
  preprocess: 'standardize',
  splitSeed: 2,
};
const DATASET_32: DatasetSpec = { ...DATASET_8, name: 'synthetic:32x32x3:64:10c' };
