/**
 * The test cluster itself and the manifests in k8s/: the real kube-scheduler binds pods to the
 * node agent and enforces its GPU capacity, the agent runs containers and reports exit codes
 * and logs through the API, and every manifest passes the API server's validation and
 * admission as a server-side apply dry run.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import {
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { NodeAgent } from '../support/node-agent';
import { manifestObjects, startCluster, until, type TestCluster } from '../support/k8s';

let cluster: TestCluster;
let agent: NodeAgent;
let core: CoreV1Api;
let ns: string;

before(async () => {
  cluster = await startCluster();
  core = cluster.admin.makeApiClient(CoreV1Api);
  ns = await cluster.createNamespace('cluster');
  agent = new NodeAgent(cluster.admin, {
    name: 'gpu-node-1',
    gpus: 1,
    tls: cluster.kubeletTls,
    images: { busybox: ['/bin/sh', '-c'] },
  });
  await agent.start();
});
after(async () => {
  await agent?.stop();
  await cluster?.stop();
});

function gpuPod(name: string, script: string): V1Pod {
  return {
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      serviceAccountName: 'netgrow-trainer',
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'main',
          image: 'busybox',
          args: [script],
          resources: { limits: { 'nvidia.com/gpu': '1' }, requests: { 'nvidia.com/gpu': '1' } },
        },
      ],
    },
  };
}

const read = (name: string) => core.readNamespacedPod({ name, namespace: ns });

describe('the test cluster', () => {
  test('the scheduler binds a GPU pod to the node and keeps a second one Pending while the GPU is busy', async () => {
    await core.createNamespacedPod({ namespace: ns, body: gpuPod('first', 'sleep 30') });
    await until(async () => (await read('first')).status?.phase === 'Running', 'first pod running');
    assert.equal((await read('first')).spec?.nodeName, 'gpu-node-1');

    await core.createNamespacedPod({ namespace: ns, body: gpuPod('second', 'echo second ran') });
    const unschedulable = async () =>
      (await read('second')).status?.conditions?.find(
        (c) => c.type === 'PodScheduled' && c.status === 'False',
      );
    await until(async () => (await unschedulable()) !== undefined, 'second pod marked unschedulable');
    assert.match((await unschedulable())!.message ?? '', /Insufficient nvidia\.com\/gpu/);
    assert.equal((await read('second')).spec?.nodeName, undefined);

    // Deleting the first pod frees the GPU: the agent stops its process, and the scheduler
    // places the second one.
    await core.deleteNamespacedPod({ name: 'first', namespace: ns, gracePeriodSeconds: 1 });
    await until(async () => (await read('second')).status?.phase === 'Succeeded', 'second pod ran', 60_000);
    assert.equal((await read('second')).spec?.nodeName, 'gpu-node-1');
  });

  test('the agent reports the exit code and serves the log through pods/log', async () => {
    await core.createNamespacedPod({ namespace: ns, body: gpuPod('fails', 'echo about to fail; exit 7') });
    await until(async () => (await read('fails')).status?.phase === 'Failed', 'pod failed');
    const term = (await read('fails')).status?.containerStatuses?.[0].state?.terminated;
    assert.equal(term?.exitCode, 7);
    assert.equal(term?.reason, 'Error');
    const log = await core.readNamespacedPodLog({ name: 'fails', namespace: ns, container: 'main' });
    assert.equal(String(log).trim(), 'about to fail');
    await core.deleteNamespacedPod({ name: 'fails', namespace: ns });
  });
});

describe('the manifests in k8s/', () => {
  test('every object applies as a server-side dry run in the namespace the kustomization names', async () => {
    const objects = KubernetesObjectApi.makeApiClient(cluster.admin);
    const kustomization = (await manifestObjects('kustomization.yaml'))[0] as KubernetesObject & {
      namespace: string;
      resources: string[];
    };
    const files = (await readdir('k8s')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    // Every manifest file is part of the kustomization, except the Secret's example shape.
    assert.deepEqual(
      files.filter((f) => !kustomization.resources.includes(f)),
      files.filter((f) => f.includes('example')),
    );
    const apply = (o: KubernetesObject, dryRun?: 'All') =>
      objects.patch(o, undefined, dryRun, 'netgrow-test', true, PatchStrategy.ServerSideApply);
    const namespaceObjects = await manifestObjects('namespace.yaml');
    for (const o of namespaceObjects) await apply(o, 'All');
    // A dry run creates nothing, and namespaced objects need their namespace to exist.
    for (const o of namespaceObjects) await apply(o);
    let applied = 0;
    for (const file of files.filter((f) => f !== 'namespace.yaml')) {
      for (const o of await manifestObjects(file)) {
        const namespaced =
          o.kind !== 'Namespace' && o.kind !== 'ClusterRole' && o.kind !== 'ClusterRoleBinding';
        const obj = namespaced
          ? { ...o, metadata: { ...o.metadata, namespace: kustomization.namespace } }
          : o;
        const result = await apply(obj, 'All').catch((e: unknown) => {
          throw new Error(
            `${file}: ${o.kind} ${o.metadata?.name}: ${String((e as { body?: unknown }).body ?? e)}`,
          );
        });
        assert.equal(result.metadata?.name, o.metadata?.name);
        applied++;
      }
    }
    assert.ok(applied >= 7, `applied ${applied} objects`);
  });
});
