/**
 * The Kubernetes executor on the real node (scripts/k8s-testenv/up.sh): the kubelet starts the
 * trainer image of scripts/trainer-image.sh in a runc container, which trains from and to a
 * real S3 server (SeaweedFS, bound at the pod bridge's gateway, the one address of this
 * machine the pods reach). No stand-in: the kernel's memory cgroup kills the container that
 * outgrows its limit, and the executor reads the end from the pod status the kubelet wrote.
 * The tensorflow image (TensorFlow's libraries, the tfjs binding and the graph engine) runs
 * there too, on both of its engines.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ADDON_PATH } from '../../src/engine/native';
import { ExecutorError } from '../../src/executor/executor';
import { realNodeMissing } from '../support/k8s';
import { nodeSandbox, type NodeSandbox } from '../support/real-node';
import { skipWhen } from '../support/skip';

let box: NodeSandbox;

describe('trainer pods on the real node', { skip: skipWhen('no-real-node', realNodeMissing()) }, () => {
  before(async () => {
    box = await nodeSandbox('real');
  });
  after(() => box?.stop());

  test('a trainer container trains on S3 to a result, on the node the kubelet runs', async () => {
    const s = box.spec('fit');
    const ex = await box.executor(
      { resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '1Gi' } } },
      { keepPods: true },
    );
    const t0 = Date.now();
    const result = await ex.run(s);
    const [pod] = await box.podsOf(s);
    assert.equal(result.status, 'completed', JSON.stringify(result));
    assert.match(result.checkpoint ?? '', new RegExp(`^s3://${box.bucket}/experiments/real/`));
    assert.ok(typeof result.final?.valAcc === 'number', JSON.stringify(result));
    // A container of the image, started by containerd on the kubelet's node.
    assert.equal(pod.spec?.nodeName, 'localhost');
    const status = pod.status?.containerStatuses?.[0];
    assert.match(status?.containerID ?? '', /^containerd:\/\//);
    assert.equal(status?.image, box.node.trainerImage);
    assert.equal(status?.state?.terminated?.exitCode, 0);
    const started = new Date(pod.status!.startTime!).getTime();
    const ran = new Date(status!.state!.terminated!.startedAt!).getTime();
    console.log(
      `real node: pod scheduled to container started ${ran - started} ms; run ${Date.now() - t0} ms in all`,
    );
    // The log comes through the API server from the kubelet.
    const log = await box.core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: box.ns });
    assert.match(log, /NETGROW_PROGRESS/);
  });

  test('a container over its memory limit is OOMKilled by the kernel, and the executor says so', async () => {
    // 60,000 colour images of 32x32 are 180 MiB as bytes, four times that as floats: far over 160Mi.
    const s = box.spec('oom', { dataset: { name: 'synthetic:32x32x3:60000:10c', validation: 0.1 } });
    const ex = await box.executor(
      { resources: { requests: { cpu: '500m', memory: '160Mi' }, limits: { memory: '160Mi' } } },
      { keepPods: true },
    );
    const e = await ex.run(s).then(
      () => assert.fail('the run should have been killed'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof ExecutorError, String(e));
    assert.equal(e.code, 'infrastructure');
    assert.ok(e.retryable && e.outOfMemory, e.message);
    assert.match(e.message, /OOMKilled/);
    const [pod] = await box.podsOf(s);
    const term = pod.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(term?.reason, 'OOMKilled');
    assert.equal(term?.exitCode, 137);
  });

  test(
    'the tensorflow image trains on eager TensorFlow and on the graph engine, to the same losses',
    {
      // The image carries the addon only where scripts/build-native.sh built it.
      skip: skipWhen(
        'no-graph-engine',
        existsSync(ADDON_PATH) ? null : `no ${ADDON_PATH} (scripts/build-native.sh)`,
      ),
    },
    async () => {
      const image = await box.node.tensorflowImage();
      const ex = await box.executor(
        { resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1536Mi' } } },
        { image },
      );
      const [eager, graph] = await Promise.all(
        (['tensorflow', 'graph'] as const).map((backend) => ex.run(box.spec(`tf-${backend}`, { backend }))),
      );
      for (const [r, name] of [
        [eager, 'tensorflow'],
        [graph, 'graph'],
      ] as const) {
        assert.equal(r.status, 'completed', JSON.stringify(r));
        assert.equal(r.backend?.name, name, JSON.stringify(r.backend));
        assert.equal(r.backend?.how, 'asked');
      }
      // The same seed, data and steps: the engine and eager tfjs agree step by step (to 1e-4 over
      // the first steps in tests/train/graph-engine.test.ts), so the run's final loss does too.
      const [a, b] = [eager.final?.loss ?? NaN, graph.final?.loss ?? NaN];
      console.log(`tensorflow image on the real node: final loss eager ${a}, graph ${b}`);
      assert.ok(Math.abs(a - b) < 1e-3, `final losses differ: eager ${a}, graph ${b}`);
    },
  );
});
