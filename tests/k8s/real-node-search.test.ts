/**
 * Searches through Temporal whose runs are trainer containers on the real node (the real
 * workflows on the dev server, production activities over the Kubernetes executor, S3 in a
 * real server): a trainer out of memory trains again as a new run with half the batch, said
 * in history — TensorFlow-style (the backend's own allocation error, forced by the trainer's
 * test seam NETGROW_TEST_OOM_ABOVE_BATCH: exit 5) and by the kernel (a trainer that holds
 * memory in proportion to its batch, NETGROW_TEST_HOLD_MB_PER_ROW, over its container's limit:
 * OOMKilled); and a search whose pods a ResourceQuota refuses waits, saying so in `status`,
 * and runs to its end once the real quota controller frees the quota (a pod of no search
 * holds it until the wait is seen; then the two children, one over the quota, wait in turn).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createActivities } from '../../activities';
import type { PodTemplateInput } from '../../src/contracts/pod-template';
import type { KubernetesExecutor } from '../../src/executor/kubernetes';
import { experimentRecord } from '../../src/experiment/experiment';
import { experimentStatus, statusLines } from '../../src/experiment/status';
import type { SearchConfigInput } from '../../src/search/config';
import { openStore } from '../../src/storage';
import { parseConfig, serverAndScratch, startRecorded, tinyConfig } from '../e2e/support';
import { realNodeMissing, until } from '../support/k8s';
import { nodeSandbox, type NodeSandbox } from '../support/real-node';
import { skipWhen } from '../support/skip';
import { trainCalls } from '../support/temporal';

describe('searches on the real node', { skip: skipWhen('no-real-node', realNodeMissing()) }, () => {
  const fx = serverAndScratch('real-search');
  let box: NodeSandbox | undefined;
  const sandbox = async () => {
    box ??= await nodeSandbox('rsearch');
    process.env.NETGROW_HOME = join(fx.dir, 'home');
    return box;
  };
  after(async () => {
    await box?.stop();
  });

  const activitiesOf = (e: KubernetesExecutor) =>
    createActivities({ executor: e, openStore: (u) => openStore(u), trainHeartbeatMs: 200 });

  /** A search of `candidates` one-epoch candidates on the pods of `executor`, run to its end. */
  async function searchOnPods(
    id: string,
    executor: KubernetesExecutor,
    over: Partial<SearchConfigInput> = {},
  ) {
    const b = await sandbox();
    const storage = `s3://${b.bucket}/runs`;
    const config = parseConfig(
      tinyConfig({
        name: id,
        train: { epochs: 1, batchSize: 32 },
        budget: { candidates: 1 },
        executor: {
          kind: 'kubernetes',
          namespace: b.ns,
          gpus: 0,
          parallelism: 2,
          image: b.node.trainerImage,
        },
        storage: { uri: storage },
        ...over,
      }),
    );
    const record = experimentRecord('search', id, storage, config);
    return { handle: await startRecorded(fx.env.client, record, config), record };
  }

  const podTemplate = (over: PodTemplateInput): PodTemplateInput => ({
    imagePullPolicy: 'Never',
    ...over,
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' }, ...over.resources },
  });

  for (const oom of [
    {
      how: "the backend's own allocation error (exit 5)",
      id: 'oom-alloc',
      template: podTemplate({ env: [{ name: 'NETGROW_TEST_OOM_ABOVE_BATCH', value: '16' }] }),
      failure: /out of accelerator memory/,
    },
    {
      how: 'the kernel, over the container memory limit (OOMKilled)',
      id: 'oom-kernel',
      // 32 rows hold 768 MiB on top of the trainer's own ~180 MiB: over 768 MiB by far; the
      // 384 MiB of 16 rows fit with room.
      template: podTemplate({
        env: [{ name: 'NETGROW_TEST_HOLD_MB_PER_ROW', value: '24' }],
        resources: { limits: { memory: '768Mi' } },
      }),
      failure: /OOMKilled: the trainer ran out of memory/,
    },
  ]) {
    test(`out of memory by ${oom.how}: trained again with half the batch, said in history`, async () => {
      const b = await sandbox();
      const executor = await b.executor(oom.template);
      const { handle } = await searchOnPods(oom.id, executor);
      const result = await fx.env.withWorkers(activitiesOf(executor), () => handle.result());
      const calls = await trainCalls(fx.env.client, oom.id);
      assert.equal(result.best?.candidateId, 'g0-c0', JSON.stringify(calls.map((c) => c.failure)));
      assert.deepEqual(
        calls.map((c) => [c.input.spec.runId, c.input.spec.batchSize, c.input.adjustment]),
        [
          ['g0-c0-a1', 32, {}],
          ['g0-c0-a1-oom1', 16, { batchScale: 0.5 }],
        ],
      );
      assert.equal(calls[0].failure?.type, 'TrainOutOfMemory');
      assert.match(calls[0].failure?.message ?? '', oom.failure);
      assert.equal(calls[1].result?.status, 'completed');
    });
  }

  test('pods a ResourceQuota refuses wait, said in status and history, and run once the quota is free', async () => {
    const b = await sandbox();
    await b.core.createNamespacedResourceQuota({
      namespace: b.ns,
      body: { metadata: { name: 'one-pod' }, spec: { hard: { pods: '1' } } },
    });
    // The quota controller's first count: until it exists the quota admits nothing.
    await until(
      async () =>
        (await b.core.readNamespacedResourceQuota({ name: 'one-pod', namespace: b.ns })).status?.used,
      'the quota controller to count the namespace',
      30_000,
    );
    // A pod of no search holds the quota until the test has seen the wait in status: a wait only
    // as long as a sibling's training could end before a heartbeat carries it.
    await b.core.createNamespacedPod({
      namespace: b.ns,
      body: {
        metadata: { name: 'quota-holder' },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: 'netgrow-trainer',
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'hold',
              image: b.node.trainerImage,
              imagePullPolicy: 'Never',
              command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
            },
          ],
        },
      },
    });
    const executor = await b.executor(podTemplate({}), { parallelism: 2, quotaBackoffMs: 500 });
    const { handle, record } = await searchOnPods('quota', executor, {
      // The start model, then its two children at once: one pod over the quota again.
      strategy: { kind: 'ga', population: 2, generations: 1 },
      budget: { candidates: 3 },
    });
    const result = await fx.env.withWorkers(activitiesOf(executor), async () => {
      const wait = await until(
        async () =>
          statusLines(await experimentStatus(fx.env.client, record), record).find((l) =>
            /waiting for quota/.test(l),
          ),
        'status to say the wait for quota',
        60_000,
      );
      assert.match(wait, /train, waiting: waiting for quota: .*exceeded quota: one-pod/);
      await b.core.deleteNamespacedPod({ name: 'quota-holder', namespace: b.ns, gracePeriodSeconds: 0 });
      return handle.result();
    });
    assert.equal(result.candidates, 3, JSON.stringify(result));
    // And in history: the start model's train activity completed with the wait in its result.
    const [start] = await trainCalls(fx.env.client, 'quota');
    const waited = start?.result?.waited;
    assert.ok(
      waited?.reasons.some((r) => /^waiting for quota: .*exceeded quota: one-pod/.test(r)),
      JSON.stringify(waited),
    );
    assert.ok((waited?.seconds ?? 0) > 0, JSON.stringify(waited));
    await b.core.deleteNamespacedResourceQuota({ name: 'one-pod', namespace: b.ns });
  });
});
