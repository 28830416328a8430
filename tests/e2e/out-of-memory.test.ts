/**
 * A run whose backend cannot allocate a tensor: the real trainer (`netgrow train` in a child
 * process) meets its backend's own out-of-memory error — forced through the trainer's test
 * seam NETGROW_TEST_OOM_ABOVE_BATCH, which asks TensorFlow (or the wasm heap) for a tensor no
 * allocator holds on a batch over 16 rows — and exits 5; the process executor fails the run as
 * out of memory, and the candidate workflow trains it again as a new run with half the batch,
 * visibly in history, as it does a pod the kernel OOM-killed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { TrainActivityInput } from '../../src/contracts/activities';
import { TRAIN_OUT_OF_MEMORY } from '../../src/contracts/errors';
import type { TrainResult } from '../../src/contracts/train';
import { loadNative } from '../../src/backend/native';
import { experimentRecord, writeExperimentRecord } from '../../src/experiment/experiment';
import { ProcessExecutor } from '../../src/executor/process';
import { openStore } from '../../src/storage';
import { startSearch } from '../../src/temporal/client';
import { TEST_OOM_ENV } from '../../src/backend/out-of-memory';
import { parseConfig, serverAndScratch, tinyConfig } from './support';

const fx = serverAndScratch('oom');
// TensorFlow's own allocator where the native backend is built, else the wasm heap's.
const backend = 'why' in loadNative() ? 'wasm' : 'tensorflow';

test(`a run out of accelerator memory (${backend}) trains again as a new run with half the batch`, async () => {
  const { env, dir } = fx;
  const config = parseConfig(
    tinyConfig({ name: 'oom', train: { epochs: 1, batchSize: 32 }, budget: { candidates: 1 } }),
  );
  const record = experimentRecord('search', 'oom-e2e', `file://${dir}/runs`, config);
  await writeExperimentRecord(record);
  const executor = new ProcessExecutor({
    parallelism: 1,
    env: { [TEST_OOM_ENV]: '16', NETGROW_BACKEND: backend },
  });
  const activities = createActivities({ executor, openStore: (uri) => openStore(uri) });
  const result = await env.withWorkers(activities, async () => {
    const handle = await startSearch(env.client, {
      experimentId: record.id,
      experimentUri: record.experimentUri,
      config,
    });
    return handle.result();
  });
  assert.equal(result.reason, 'budget: candidates');
  assert.equal(result.best?.candidateId, 'g0-c0', 'trained after the retry');

  const history = (await env.client.workflow.getHandle('oom-e2e.g0-c0').fetchHistory()).events ?? [];
  const scheduled = history.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'train',
  );
  const inputs = scheduled.map((e) =>
    defaultPayloadConverter.fromPayload<TrainActivityInput>(
      e.activityTaskScheduledEventAttributes!.input!.payloads![0],
    ),
  );
  assert.deepEqual(
    inputs.map((i) => [i.spec.runId, i.spec.batchSize, i.oomRetry ?? 0, i.adjustment]),
    [
      ['g0-c0-a1', 32, 0, {}],
      ['g0-c0-a1-oom1', 16, 1, { batchScale: 0.5 }],
    ],
  );
  // The first run failed once, as out of memory, the reason saying which kind.
  const failures = history.flatMap((e) => e.activityTaskFailedEventAttributes?.failure ?? []);
  assert.equal(failures.length, 1);
  assert.equal(failures[0].applicationFailureInfo?.type, TRAIN_OUT_OF_MEMORY);
  assert.match(
    failures[0].message ?? '',
    /^run g0-c0-a1 exited with code 5: .*netgrow train: out of accelerator memory \((TensorFlow ResourceExhausted|wasm heap exhausted)\): /,
  );
  const completed = history
    .map((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0])
    .filter((p) => p !== undefined && p !== null)
    .map((p) => defaultPayloadConverter.fromPayload<TrainResult | object>(p))
    .filter((r): r is TrainResult => 'format' in r && r.format === 'netgrow.trainresult/v1');
  assert.deepEqual(
    completed.map((r) => [r.runId, r.status]),
    [['g0-c0-a1-oom1', 'completed']],
  );
});
