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
import { activityInputs } from '../support/temporal';
import { createActivities } from '../../activities';
import type { TrainActivityInput } from '../../src/contracts/activities';
import { TRAIN_OUT_OF_MEMORY } from '../../src/contracts/errors';
import { loadNative } from '../../src/backend/native';
import { experimentRecord } from '../../src/experiment/experiment';
import { ProcessExecutor } from '../../src/executor/process';
import { openStore } from '../../src/storage';
import { TEST_OOM_ENV } from '../../src/backend/out-of-memory';
import { parseConfig, searchToEnd, serverAndScratch, tinyConfig, trainResults } from './support';

const fx = serverAndScratch('oom');
// TensorFlow's own allocator where the native backend is built, else the wasm heap's.
const backend = 'why' in loadNative() ? 'wasm' : 'tensorflow';

test(`a run out of accelerator memory (${backend}) trains again as a new run with half the batch`, async () => {
  const { env, dir } = fx;
  const config = parseConfig(
    tinyConfig({ name: 'oom', train: { epochs: 1, batchSize: 32 }, budget: { candidates: 1 } }),
  );
  const record = experimentRecord('search', 'oom-e2e', `file://${dir}/runs`, config);
  const executor = new ProcessExecutor({
    parallelism: 1,
    env: { [TEST_OOM_ENV]: '16', NETGROW_BACKEND: backend },
  });
  const activities = createActivities({ executor, openStore: (uri) => openStore(uri) });
  const result = await searchToEnd(env, activities, record, config);
  assert.equal(result.reason, 'budget: candidates');
  assert.equal(result.best?.candidateId, 'g0-c0', 'trained after the retry');

  const history = (await env.client.workflow.getHandle('oom-e2e.g0-c0').fetchHistory()).events ?? [];
  const inputs = activityInputs<TrainActivityInput>(history, 'train');
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
  const completed = trainResults(history);
  assert.deepEqual(
    completed.map((r) => [r.runId, r.status]),
    [['g0-c0-a1-oom1', 'completed']],
  );
});
