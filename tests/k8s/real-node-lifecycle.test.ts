/**
 * A trainer pod's life on the real node beyond one run: a worker that stops following (shut
 * down mid-run) leaves its container training and the next worker adopts the pod; a cancelled
 * run's pod is deleted and its container stopped; and a node lost while a second node still
 * reports is tainted by the node lifecycle controller, whose taint manager evicts the pod, and
 * the run resumes from its epoch checkpoint in a new pod once the node is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { realNodeMissing, until } from '../support/k8s';
import {
  executorFailure,
  nodeSandbox,
  SMALL_POD,
  startBystanderNode,
  type NodeSandbox,
} from '../support/real-node';
import { skipWhen } from '../support/skip';

let box: NodeSandbox;
// About 2.5 s an epoch in a container here.
const longer = { dataset: { name: 'synthetic:16x16x1:2048:4c', validation: 0.25 }, epochs: 12 };

describe(
  'trainer pods that outlive a run on the real node',
  { skip: skipWhen('no-real-node', realNodeMissing()) },
  () => {
    before(async () => {
      box = await nodeSandbox('life');
    });
    after(() => box?.stop());

    test('a worker that stops mid-run leaves the container training; the next adopts its pod', async () => {
      const s = box.spec('adopt', longer);
      const first = await box.executor({ resources: SMALL_POD });
      const running = first.run(s, { onProgress: () => first.close() });
      const e = await executorFailure(running);
      assert.match(e.message, /worker closing; pod .* left running/);
      const [pod] = await box.podsOf(s);
      assert.equal(box.node.runningContainers(pod.metadata!.name!).length, 1);

      const second = await box.executor({ resources: SMALL_POD }, { keepPods: true });
      const result = await second.run(s);
      assert.equal(result.status, 'completed', JSON.stringify(result));
      // The same pod and container to the end: nothing was started twice.
      const pods = await box.podsOf(s);
      assert.deepEqual(
        pods.map((p) => p.metadata!.name),
        [pod.metadata!.name],
      );
      assert.equal(pods[0].status?.containerStatuses?.[0]?.restartCount, 0);
      assert.equal(result.resumedFromEpoch, null);
    });

    test("a cancelled run's pod is deleted and its container stopped", async () => {
      const s = box.spec('cancel', longer);
      const ex = await box.executor({ resources: SMALL_POD }, { deleteGraceSeconds: 5 });
      const cancel = new AbortController();
      const e = await executorFailure(
        ex.run(s, {
          signal: cancel.signal,
          onProgress: () => cancel.abort(new Error('cancelled by the user')),
        }),
      );
      assert.equal(e.code, 'cancelled', e.message);
      const name = /pod (\S+) deleted/.exec(e.message)?.[1] ?? '';
      assert.ok(name, e.message);
      // Deleted with its grace period: the trainer checkpoints on SIGTERM, then the pod goes.
      const [terminating] = await box.podsOf(s);
      assert.ok(!terminating || terminating.metadata?.deletionTimestamp, 'the pod was not deleted');
      await until(async () => (await box.podsOf(s)).length === 0, 'the cancelled pod to go', 30_000);
      await until(
        () => Promise.resolve(box.node.runningContainers(name).length === 0),
        "the cancelled pod's container to stop",
        30_000,
      );
    });

    test('a node lost beside a Ready one: its pod is evicted, the run resumes when the node returns', async () => {
      const bystander = await startBystanderNode(box.node);
      try {
        // No early stopping: the lost container, training on unseen, must not finish before the
        // eviction (~20 s after the node goes silent) and the kubelet's return stop it.
        const s = box.spec('evicted', { ...longer, epochs: 24, earlyStopping: { patience: 0 } });
        // lostNodeTimeout out of the way: what ends the first pod is the controller's eviction.
        const ex = await box.executor({ resources: SMALL_POD }, { lostNodeTimeoutSeconds: 600 });
        let stopped = null as Promise<void> | null;
        const e = await executorFailure(
          ex.run(s, {
            onProgress: (p) => {
              if (p.epoch >= 2) stopped ??= box.node.stopKubelet();
            },
          }),
        );
        await stopped;
        assert.equal(e.retryable, true, e.message);
        assert.match(e.message, /DeletionByTaintManager|evict|Evict/);
        const node = await box.core.readNode({ name: 'localhost' });
        assert.ok(
          node.spec?.taints?.some(
            (t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute',
          ),
          JSON.stringify(node.spec?.taints),
        );
        // The node comes back; the retry's pod waits for it, then resumes from a checkpoint.
        const back = (async () => {
          await new Promise((r) => setTimeout(r, 3000));
          await box.node.startKubelet();
        })();
        const again = await box.executor({ resources: SMALL_POD });
        const result = await again.run(s);
        await back;
        assert.equal(result.status, 'completed', JSON.stringify(result));
        assert.ok((result.resumedFromEpoch ?? 0) >= 2, JSON.stringify(result));
      } finally {
        await bystander.stop();
        if (!(await box.node.nodeReady())) await box.node.startKubelet();
      }
    });
  },
);
