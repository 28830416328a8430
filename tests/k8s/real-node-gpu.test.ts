/**
 * GPU pods through the real path: a test device plugin (tests/support/device-plugin.ts)
 * registers one `nvidia.com/gpu` with the real node's kubelet, and two trainer pods that each
 * ask for one run one after the other: the scheduler holds the second Pending with
 * `Insufficient nvidia.com/gpu` until the first ends, and the kubelet allocates the device to
 * each container in turn. No GPU is behind the device: the pods train on the CPU.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { startDevicePlugin, type TestDevicePlugin } from '../support/device-plugin';
import { realNodeMissing, until } from '../support/k8s';
import { nodeSandbox, type NodeSandbox } from '../support/real-node';
import { skipWhen } from '../support/skip';

let box: NodeSandbox;
let plugin: TestDevicePlugin;
const DEVICE = 'GPU-netgrow-test-0';

const gpusOnNode = async (): Promise<string | undefined> =>
  (await box.core.readNode({ name: 'localhost' })).status?.allocatable?.['nvidia.com/gpu'];

/** When the pod's trainer container ran, in ms (the API gives seconds). */
function ran(pod: V1Pod): { from: number; to: number } {
  const t = pod.status?.containerStatuses?.find((c) => c.name === 'trainer')?.state?.terminated;
  assert.ok(t?.startedAt && t.finishedAt, JSON.stringify(pod.status));
  return { from: new Date(t.startedAt).getTime(), to: new Date(t.finishedAt).getTime() };
}

describe('GPU pods on the real node', { skip: skipWhen('no-real-node', realNodeMissing()) }, () => {
  before(async () => {
    box = await nodeSandbox('gpu');
    plugin = await startDevicePlugin({ devices: [DEVICE] });
  });
  after(async () => {
    await plugin?.stop();
    await box?.stop();
  });

  test('a node whose device plugin offers one GPU runs two one-GPU pods one after the other', async () => {
    await until(async () => (await gpusOnNode()) === '1', 'the node to offer 1 nvidia.com/gpu', 30_000);
    await box.node.bindNodeReader(box.ns);
    const lines: string[] = [];
    const ex = await box.executor(
      { resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } } },
      { gpus: 1, parallelism: 2, keepPods: true, log: (l) => lines.push(l) },
    );
    // The worker's check finds the GPU now: no warning.
    await ex.check();
    assert.deepEqual(lines, []);
    const waited: string[] = [];
    const specs = ['gpu-a', 'gpu-b'].map((id) =>
      box.spec(id, { dataset: { name: 'synthetic:16x16x1:2048:4c', validation: 0.25 }, epochs: 2 }),
    );
    const results = await Promise.all(
      specs.map((s) => ex.run(s, { onWaiting: (why) => why && waited.push(why) })),
    );
    for (const r of results) {
      assert.equal(r.status, 'completed', JSON.stringify(r));
      assert.ok((r.deviceSeconds ?? 0) > 0, JSON.stringify(r));
    }
    assert.ok(
      waited.some((w) => /Insufficient nvidia\.com\/gpu/.test(w)),
      `no pod waited for the GPU: ${JSON.stringify(waited)}`,
    );
    // One container at a time had the device (the API's times are whole seconds).
    const [a, b] = (await Promise.all(specs.map((s) => box.podsOf(s)))).map(([pod]) => ran(pod));
    const [first, second] = a.from <= b.from ? [a, b] : [b, a];
    assert.ok(first.to <= second.from, `the two pods overlapped: ${JSON.stringify({ first, second })}`);
    assert.deepEqual(plugin.allocations, [[DEVICE], [DEVICE]]);
    console.log(
      `real node, one GPU: pods ran ${first.from - first.from}-${first.to - first.from} ms and ` +
        `${second.from - first.from}-${second.to - first.from} ms`,
    );
  });
});
