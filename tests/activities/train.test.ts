/**
 * The train activity in a mocked activity context, over a fake executor (what the activity
 * makes of each executor outcome) and over the real in-process trainer (a retried attempt
 * resumes from the run's epoch checkpoint).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { TRAIN_HEARTBEAT_MS } from '../../activities/train';
import type { TrainActivityInput, TrainHeartbeat } from '../../src/contracts/activities';
import { initBackend } from '../../src/backend';
import { loadTrainingData } from '../../src/data';
import { ExecutorError, type RunOptions, type TrainExecutor } from '../../src/executor/executor';
import { InProcessExecutor } from '../../src/executor/inprocess';
import { NON_RETRYABLE_ERRORS } from '../../src/temporal/config';
import { runTraining } from '../../src/train/run';
import type { TrainResult, TrainSpec, TrainSpecInput } from '../../src/contracts/train';
import { openStore } from '../../src/storage';
import { quietActivityEnv } from './mock';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-activity-train-'));
  await initBackend({ log: () => undefined });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const uri = (...parts: string[]) => pathToFileURL(join(dir, ...parts)).href;

function spec(runId: string, over: Partial<TrainSpecInput> = {}): TrainSpecInput {
  return {
    runId,
    checkpoint: 'builtin:seed-ga',
    output: uri(runId),
    seed: 5,
    dataset: { name: 'synthetic:8x8x1:256:4c', validation: 0.25 },
    epochs: 1,
    batchSize: 32,
    ...over,
  };
}

const input = (s: TrainSpecInput): TrainActivityInput => ({
  experimentUri: uri(),
  candidateId: 'c1',
  attempt: 1,
  adjustment: {},
  spec: s,
});

/** An executor that behaves as told and records what it got. */
class ScriptedExecutor implements TrainExecutor {
  readonly kind = 'inprocess' as const;
  calls = 0;
  constructor(private readonly behave: (spec: TrainSpec, opts: RunOptions) => Promise<TrainResult>) {}
  run(s: TrainSpec, opts: RunOptions = {}): Promise<TrainResult> {
    this.calls++;
    return this.behave(s, opts);
  }
}

function activities(executor: TrainExecutor, over = {}) {
  return createActivities({ executor, openStore: (u) => openStore(u), ...over });
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const e = await promise.then(
    () => assert.fail('expected a failure'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof ApplicationFailure, `an ApplicationFailure, got ${String(e)}`);
  return e;
}

describe('train activity', () => {
  test('a spec that does not validate is a non-retryable failure naming the field', async () => {
    const executor = new ScriptedExecutor(() => assert.fail('not run'));
    const e = await failure(
      quietActivityEnv().run(activities(executor).train, input(spec('bad', { epochs: 0 }))),
    );
    assert.equal(e.nonRetryable, true);
    assert.equal(e.type, 'SpecError');
    assert.match(e.message, /epochs/);
    assert.equal(executor.calls, 0);
  });

  test("the executor's bad_input is non-retryable (BadInput), infrastructure retryable", async () => {
    const bad = new ScriptedExecutor(() => Promise.reject(new ExecutorError('bad_input', 'no such dataset')));
    const e1 = await failure(quietActivityEnv().run(activities(bad).train, input(spec('b1'))));
    assert.deepEqual([e1.type, e1.nonRetryable], ['BadInput', true]);
    assert.ok(NON_RETRYABLE_ERRORS.includes('BadInput'));
    const down = new ScriptedExecutor(() => Promise.reject(new ExecutorError('infrastructure', 'exited 4')));
    const e2 = await failure(quietActivityEnv().run(activities(down).train, input(spec('b2'))));
    assert.deepEqual([e2.type, e2.nonRetryable], ['TrainInfrastructure', false]);
    const oom = new ScriptedExecutor(() =>
      Promise.reject(
        new ExecutorError('infrastructure', 'OOMKilled', { outOfMemory: true, deviceSeconds: 12 }),
      ),
    );
    const e3 = await failure(quietActivityEnv().run(activities(oom).train, input(spec('b3'))));
    assert.deepEqual([e3.type, e3.nonRetryable], ['TrainOutOfMemory', false]);
    assert.deepEqual(e3.details, [{ deviceSeconds: 12 }], 'what the failed run used, for the budget');
  });

  test('heartbeats on a timer while no progress arrives, and carry progress when it does', async (t) => {
    // A fake clock: the production interval (TRAIN_HEARTBEAT_MS), advanced by hand, no sleeping.
    t.mock.timers.enable({ apis: ['setInterval'] });
    const beats: TrainHeartbeat[] = [];
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let finish!: () => void;
    const executor = new ScriptedExecutor(async (s, opts) => {
      started();
      await new Promise<void>((r) => (finish = r));
      opts.onProgress?.({ epoch: 1, step: 7, stepsPerEpoch: 8, loss: 0.5, acc: 0.8, valAcc: null });
      return resultOf(s);
    });
    const env = quietActivityEnv();
    env.on('heartbeat', (d: TrainHeartbeat) => beats.push(d));
    const done = env.run(activities(executor).train, input(spec('hb')));
    await running;
    assert.equal(beats.length, 1, 'one heartbeat as the run starts');
    t.mock.timers.tick(TRAIN_HEARTBEAT_MS - 1);
    assert.equal(beats.length, 1, 'none before the interval has passed');
    t.mock.timers.tick(1 + 3 * TRAIN_HEARTBEAT_MS);
    assert.equal(beats.length, 5, 'one per interval while the executor is silent');
    assert.ok(beats.every((b) => b.step === 0));
    finish();
    await done;
    assert.deepEqual(beats.at(-1), {
      epoch: 1,
      step: 7,
      stepsPerEpoch: 8,
      epochs: 1,
      metrics: { loss: 0.5, acc: 0.8, valAcc: null },
    });
    const after = beats.length;
    t.mock.timers.tick(10 * TRAIN_HEARTBEAT_MS);
    assert.equal(beats.length, after, 'the timer stops with the activity');
  });

  test('cancellation reaches the executor and ends the activity as cancelled', async () => {
    let aborted = false;
    const executor = new ScriptedExecutor(
      (s, opts) =>
        new Promise((_, reject) =>
          opts.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new ExecutorError('cancelled', `run ${s.runId} cancelled`));
          }),
        ),
    );
    const env = quietActivityEnv();
    const running = env.run(activities(executor).train, input(spec('cx')));
    setTimeout(() => env.cancel(), 50);
    await assert.rejects(running, (e) => e instanceof CancelledFailure);
    assert.ok(aborted);
  });

  test('a run an earlier attempt finished is not trained again (its result.json is returned)', async () => {
    const s = spec('done');
    const finished = resultOf({ runId: 'done' } as TrainSpec);
    await openStore(s.output).put('result.json', JSON.stringify(finished));
    const executor = new ScriptedExecutor(() => assert.fail('not run'));
    const result = await quietActivityEnv({ attempt: 2 }).run(activities(executor).train, input(s));
    assert.deepEqual(result, finished);
    assert.equal(executor.calls, 0);
  });

  test('a retried attempt on the real trainer resumes from the run’s last epoch checkpoint', async () => {
    // Attempt 1 got through epoch 1 of 2 before its worker was lost.
    const s = spec('resume', { epochs: 2 });
    await runTraining({ ...s, epochs: 1 }, { loadData: loadTrainingData, log: () => undefined });
    const out = openStore(s.output);
    await out.delete('result.json'); // the lost attempt never finished
    const lines: string[] = [];
    const train = activities(new InProcessExecutor(), { log: (l: string) => lines.push(l) }).train;
    const result = (await quietActivityEnv({
      attempt: 2,
      heartbeatDetails: { epoch: 1, step: 6, metrics: {} },
    }).run(train, input(s))) as TrainResult;
    assert.equal(result.status, 'completed');
    assert.equal(result.resumedFromEpoch, 1);
    assert.equal(result.epochsRun, 2);
    assert.deepEqual(lines, ['resume: attempt 2, resuming (last heartbeat: epoch 1, step 6)']);
  });
});

function resultOf(s: Pick<TrainSpec, 'runId'>): TrainResult {
  const m = { loss: 0.4, acc: 0.9, valLoss: 0.5, valAcc: 0.85 };
  return {
    format: 'netgrow.trainresult/v1',
    runId: s.runId,
    status: 'completed',
    epochsRun: 1,
    steps: 8,
    final: m,
    best: { ...m, epoch: 1 },
    test: null,
    wallSeconds: 1,
    checkpoint: null,
    resumedFromEpoch: null,
    diverged: null,
  };
}
