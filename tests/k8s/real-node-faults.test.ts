/**
 * The pod defects a search on a real kubelet met (issue 24), each tried on the real node
 * (scripts/k8s-testenv/up.sh) with the trainer image in runc containers and a real S3 server:
 * an image whose ENTRYPOINT is not netgrow's, a container that cannot start (its runtime's
 * words, no 57-year bill), GPU pods on a node without GPUs (named at the check, the
 * scheduler's reason while Pending, a permanent failure after `unschedulableTimeout`), and a
 * node whose kubelet dies mid-training (the result in storage ends the wait; without one,
 * `lostNodeTimeout` fails the attempt and the next pod resumes from the epoch checkpoint).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRAINER_COMMAND } from '../../src/contracts/pod-template';
import type { TrainProgress } from '../../src/contracts/executor';
import { realNodeMissing, until } from '../support/k8s';
import { executorFailure, nodeSandbox, SMALL_POD, type NodeSandbox } from '../support/real-node';
import { skipWhen } from '../support/skip';

let box: NodeSandbox;

describe('pod defects on the real node', { skip: skipWhen('no-real-node', realNodeMissing()) }, () => {
  before(async () => {
    box = await nodeSandbox('faults');
  });
  after(() => box?.stop());

  test("an image whose ENTRYPOINT is not netgrow's trains: the pod names netgrow's entry point", async () => {
    // Without `command`, this image would run /opt/not-netgrow with `train --spec …` and fail.
    const image = await box.node.trainerImageWithEntrypoint(['/opt/not-netgrow']);
    const s = box.spec('entrypoint');
    const ex = await box.executor({ resources: SMALL_POD }, { image, keepPods: true });
    const result = await ex.run(s);
    assert.equal(result.status, 'completed', JSON.stringify(result));
    const [pod] = await box.podsOf(s);
    const container = pod.spec!.containers[0];
    assert.equal(container.image, image);
    assert.deepEqual(container.command, TRAINER_COMMAND);
    assert.deepEqual(container.args?.slice(0, 2), ['train', '--spec']);
  });

  test("a container that cannot start fails once with the runtime's words and costs nothing", async () => {
    const s = box.spec('no-start');
    const ex = await box.executor(
      { resources: SMALL_POD, command: ['/opt/netgrow/not-there'] },
      { keepPods: true, gpus: 0 },
    );
    const e = await executorFailure(ex.run(s));
    // Not retried: a second pod of the same image fails the same way.
    assert.equal(e.code, 'bad_input', e.message);
    assert.equal(e.retryable, false);
    assert.match(e.message, /StartError/);
    assert.match(e.message, /\/opt\/netgrow\/not-there: no such file or directory/);
    const [pod] = await box.podsOf(s);
    const term = pod.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(term?.exitCode, 128);
    // Kubernetes says such a container started at the epoch: zero device-seconds, not 57 years.
    assert.equal(new Date(term!.startedAt!).getTime(), 0);
    assert.equal(e.deviceSeconds, 0);
  });

  test('GPU pods on a node without GPUs: named at the check, the reason while Pending, then a permanent failure', async () => {
    // The optional ClusterRole of k8s/rbac-nodes.yaml, bound to this namespace's worker.
    await box.node.bindNodeReader(box.ns);
    const lines: string[] = [];
    const ex = await box.executor(
      { resources: SMALL_POD },
      { gpus: 1, unschedulableTimeoutSeconds: 4, log: (l) => lines.push(l) },
    );
    await ex.check();
    assert.ok(
      lines.some((l) => /nvidia\.com\/gpu/.test(l) && /no node offers|most any node|0/.test(l)),
      lines.join('\n'),
    );
    const waiting: (string | null)[] = [];
    const e = await executorFailure(ex.run(box.spec('gpu'), { onWaiting: (w) => waiting.push(w) }));
    assert.ok(
      waiting.some((w) => w !== null && /Insufficient nvidia\.com\/gpu/.test(w)),
      JSON.stringify(waiting),
    );
    assert.equal(e.retryable, false, e.message);
    assert.match(e.message, /Insufficient nvidia\.com\/gpu/);

    // What a pod asks by default (1 CPU, 8Gi, no GPU) fits this 2-CPU node: no warning.
    const fits: string[] = [];
    await (await box.executor({}, { log: (l) => fits.push(l) })).check();
    assert.deepEqual(fits, []);
  });

  test('a kubelet that dies mid-training: the run ends on its result in storage, the pod still Running', async () => {
    // Long enough that the trainer is still at work when the kubelet goes.
    const s = box.spec('lost-done', {
      dataset: { name: 'synthetic:16x16x1:2048:4c', validation: 0.25 },
      epochs: 4,
    });
    const ex = await box.executor({ resources: SMALL_POD }, { keepPods: true, lostNodeTimeoutSeconds: 300 });
    let stopped = null as Promise<void> | null;
    const result = await ex.run(s, {
      onProgress: () => {
        stopped ??= box.node.stopKubelet();
      },
    });
    assert.ok(stopped, 'the trainer reported no progress before it ended');
    await stopped;
    try {
      assert.equal(result.status, 'completed', JSON.stringify(result));
      assert.equal(result.epochsRun, 4);
      console.log(`real node: 4 epochs in ${result.wallSeconds} s`);
      // The API never heard the container end: the node is NotReady and the pod Running but
      // not Ready, which is what the executor saw before it looked in storage.
      const [pod] = await box.podsOf(s);
      assert.equal(pod.status?.phase, 'Running');
      assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
      assert.equal(await box.node.nodeReady(), false);
    } finally {
      await box.node.startKubelet();
    }
  });

  test('a kubelet that dies with no result: lostNodeTimeout fails the attempt, the next pod resumes', async () => {
    // About 2.5 s an epoch here: the first pod is lost near epoch 2, its container trains on
    // unseen for the ~15 s until the executor gives up and the kubelet returns, and the rest is
    // left to the second pod.
    const s = box.spec('lost-resume', {
      dataset: { name: 'synthetic:16x16x1:2048:4c', validation: 0.25 },
      epochs: 20,
    });
    const ex = await box.executor({ resources: SMALL_POD }, { lostNodeTimeoutSeconds: 2 });
    let stopped = null as Promise<void> | null;
    const e = await executorFailure(
      ex.run(s, {
        onProgress: (p: TrainProgress) => {
          // After an epoch checkpoint, so that the next attempt has one to resume from.
          if (p.epoch >= 2) stopped ??= box.node.stopKubelet();
        },
      }),
    );
    await stopped;
    assert.equal(e.code, 'infrastructure', e.message);
    assert.equal(e.retryable, true);
    assert.match(e.message, /lostNodeTimeout/);
    // The lost pod is deleted, so that the retry creates a new pod instead of adopting it; its
    // container, unseen by the API, runs until the kubelet is back and finds it has no pod.
    const first = ex.usage[0]?.pod ?? '';
    assert.match(first, /-1$/);
    assert.deepEqual(await box.podsOf(s), []);
    assert.equal(box.node.runningContainers(first).length, 1);
    await box.node.startKubelet();
    await until(
      () => Promise.resolve(box.node.runningContainers(first).length === 0),
      "the lost pod's container stopped",
      30_000,
    );

    // The retry (Temporal's, in a search): a new pod on the node that came back, resuming from
    // the last epoch checkpoint the first pod wrote.
    const again = await box.executor({ resources: SMALL_POD }, { keepPods: true });
    const result = await again.run(s);
    assert.equal(result.status, 'completed', JSON.stringify(result));
    const resumed = result.resumedFromEpoch ?? 0;
    assert.ok(resumed >= 2, JSON.stringify(result));
    // It went on from there (epochsRun is the epoch it ended at; the trainer's plateau rule
    // may end it before the 20th).
    assert.ok(result.epochsRun > resumed && result.epochsRun <= 20, JSON.stringify(result));
    const pods = await box.podsOf(s);
    assert.deepEqual(
      pods.map((p) => p.metadata!.name!.replace(/.*-/, '')),
      ['2'],
    );
  });
});
