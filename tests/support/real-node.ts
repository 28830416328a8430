/**
 * What a test file of trainer pods on the real node (tests/support/k8s.ts `startRealNode`)
 * sets up: a real S3 server bound at the pod bridge's gateway (the one address of this machine
 * pods reach), the worker's storage settings in this process's environment (the executor hands
 * endpoint and region to its pods; the keys reach them from the netgrow-storage Secret), and a
 * namespace of its own with k8s/rbac.yaml's accounts. The node is shared with the other files:
 * `stop()` deletes only the namespace (and starts the kubelet again if a test left it stopped).
 */
import assert from 'node:assert/strict';
import { CoordinationV1Api, CoreV1Api, V1MicroTime, type V1Pod } from '@kubernetes/client-node';
import { ExecutorError } from '../../src/executor/executor';
import { KubernetesExecutor, type KubernetesExecutorOptions } from '../../src/executor/kubernetes';
import { LABEL, runIdentity } from '../../src/executor/pod-spec';
import { PodTemplate, type PodTemplateInput } from '../../src/contracts/pod-template';
import { TrainSpec, type TrainSpecInput } from '../../src/contracts/train';
import { openStore } from '../../src/storage';
import { startRealNode, type RealNode } from './k8s';
import { startSeaweed, type SeaweedServer } from './seaweed';

export interface NodeSandbox {
  node: RealNode;
  core: CoreV1Api;
  s3: SeaweedServer;
  ns: string;
  bucket: string;
  /** A Kubernetes executor as the namespace's netgrow-worker ServiceAccount, image never pulled. */
  executor(
    template: PodTemplateInput,
    opts?: Partial<Omit<KubernetesExecutorOptions, 'template' | 'kubeConfig'>>,
  ): Promise<KubernetesExecutor>;
  /** A one-epoch run of seed-ga on small synthetic data, output in the bucket. */
  spec(runId: string, over?: Partial<TrainSpecInput>): TrainSpec;
  /** The pods of a run, by its run-key label. */
  podsOf(spec: TrainSpec): Promise<V1Pod[]>;
  stop(): Promise<void>;
}

/** What a small trainer pod asks: room for several on the 2-CPU test node. */
export const SMALL_POD = { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '1Gi' } };

/** The ExecutorError a run must fail with (the test fails if it resolves, or throws anything else). */
export const executorFailure = (p: Promise<unknown>): Promise<ExecutorError> =>
  p.then(
    () => assert.fail('the run should have failed'),
    (e: unknown) => {
      assert.ok(e instanceof ExecutorError, String(e));
      return e;
    },
  );

export async function nodeSandbox(prefix: string): Promise<NodeSandbox> {
  const node = await startRealNode();
  const core = node.admin.makeApiClient(CoreV1Api);
  const s3 = await startSeaweed({ ip: node.gateway });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });
  const bucket = `netgrow-${prefix}`;
  await openStore(`s3://${bucket}/setup`, { createBucket: true }).put('ready', 'yes');
  const ns = await node.createNamespace(prefix);
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'netgrow-storage' },
      stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
    },
  });
  return {
    node,
    core,
    s3,
    ns,
    bucket,
    executor: async (template, opts = {}) =>
      new KubernetesExecutor({
        kubeConfig: await node.serviceAccountConfig(ns, 'netgrow-worker'),
        namespace: ns,
        image: node.trainerImage,
        gpus: 0,
        pollMs: 300,
        log: process.env.K8S_TEST_DEBUG ? (l) => console.error(l) : undefined,
        ...opts,
        // No registry: an image that is not in the node's containerd fails the pod at once.
        template: PodTemplate.parse({ imagePullPolicy: 'Never', ...template }),
      }),
    spec: (runId, over = {}) =>
      TrainSpec.parse({
        runId,
        checkpoint: 'builtin:seed-ga',
        output: `s3://${bucket}/experiments/${prefix}/candidates/${runId}/runs/${runId}`,
        seed: 5,
        dataset: { name: 'synthetic:8x8x1:256:4c', validation: 0.25 },
        epochs: 1,
        batchSize: 32,
        ...over,
      }),
    podsOf: async (s) =>
      (
        await core.listNamespacedPod({
          namespace: ns,
          labelSelector: `${LABEL.runKey}=${runIdentity(s).runKey}`,
        })
      ).items,
    stop: async () => {
      // A test that failed with the kubelet stopped must not leave the shared node without one.
      if (!(await node.nodeReady())) await node.startKubelet();
      await core.deleteNamespace({ name: ns, gracePeriodSeconds: 0 }).catch(() => undefined);
      await s3.stop();
    },
  };
}

/**
 * A second node that only reports (its status and lease kept fresh from here) and takes no pods
 * (cordoned): with it Ready, the loss of the real node is a partial disruption of the zone, so
 * the node lifecycle controller taints the lost node and evicts its pods. With the real node
 * alone it would enter "master disruption mode" and evict nothing, as on any cluster whose
 * every node goes silent at once.
 */
export async function startBystanderNode(
  node: RealNode,
  name = 'bystander',
): Promise<{ stop(): Promise<void> }> {
  const core = node.admin.makeApiClient(CoreV1Api);
  const leases = node.admin.makeApiClient(CoordinationV1Api);
  await core.createNode({ body: { metadata: { name }, spec: { unschedulable: true } } });
  const report = async () => {
    const now = new Date();
    await core.replaceNodeStatus({
      name,
      body: {
        metadata: { name },
        status: {
          capacity: { cpu: '1', memory: '1Gi', pods: '10' },
          allocatable: { cpu: '1', memory: '1Gi', pods: '10' },
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'a test node that only reports',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
    });
    const lease = { holderIdentity: name, leaseDurationSeconds: 8, renewTime: new V1MicroTime(now) };
    await leases
      .replaceNamespacedLease({
        name,
        namespace: 'kube-node-lease',
        body: { metadata: { name, namespace: 'kube-node-lease' }, spec: lease },
      })
      .catch(() =>
        leases.createNamespacedLease({
          namespace: 'kube-node-lease',
          body: { metadata: { name, namespace: 'kube-node-lease' }, spec: lease },
        }),
      );
  };
  await report();
  const timer = setInterval(() => void report().catch(() => undefined), 2000);
  return {
    stop: async () => {
      clearInterval(timer);
      await core.deleteNode({ name }).catch(() => undefined);
      await leases.deleteNamespacedLease({ name, namespace: 'kube-node-lease' }).catch(() => undefined);
    },
  };
}
