/**
 * The Kubernetes executor on the real node (scripts/k8s-testenv/up.sh): the kubelet starts the
 * trainer image of scripts/trainer-image.sh in a runc container, which trains from and to a
 * real S3 server (SeaweedFS, bound at the pod bridge's gateway, the one address of this
 * machine the pods reach). No stand-in: the kernel's memory cgroup kills the container that
 * outgrows its limit, and the executor reads the end from the pod status the kubelet wrote.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { ExecutorError } from '../../src/executor/executor';
import { KubernetesExecutor } from '../../src/executor/kubernetes';
import { LABEL, runIdentity } from '../../src/executor/pod-spec';
import { PodTemplate, type PodTemplateInput } from '../../src/contracts/pod-template';
import { openStore } from '../../src/storage';
import { TrainSpec, type TrainSpecInput } from '../../src/contracts/train';
import { realNodeMissing, startRealNode, type RealNode } from '../support/k8s';
import { skipWhen } from '../support/skip';
import { startSeaweed, type SeaweedServer } from '../support/seaweed';

const BUCKET = 'netgrow-node';
let node: RealNode;
let core: CoreV1Api;
let s3: SeaweedServer;
let ns: string;

function executor(template: PodTemplateInput, pods: { keep?: boolean } = {}): Promise<KubernetesExecutor> {
  return node.serviceAccountConfig(ns, 'netgrow-worker').then(
    (kubeConfig) =>
      new KubernetesExecutor({
        kubeConfig,
        namespace: ns,
        image: node.trainerImage,
        gpus: 0,
        pollMs: 300,
        keepPods: pods.keep,
        // No registry: an image that is not in the node's containerd fails the pod at once.
        template: PodTemplate.parse({ imagePullPolicy: 'Never', ...template }),
        log: process.env.K8S_TEST_DEBUG ? (l) => console.error(l) : undefined,
      }),
  );
}

function spec(runId: string, over: Partial<TrainSpecInput> = {}): TrainSpec {
  return TrainSpec.parse({
    runId,
    checkpoint: 'builtin:seed-ga',
    output: `s3://${BUCKET}/experiments/real/candidates/${runId}/runs/${runId}`,
    seed: 5,
    dataset: { name: 'synthetic:8x8x1:256:4c', validation: 0.25 },
    epochs: 1,
    batchSize: 32,
    ...over,
  });
}

const podsOf = async (s: TrainSpec) =>
  (await core.listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.runKey}=${runIdentity(s).runKey}` }))
    .items;

describe('trainer pods on the real node', { skip: skipWhen('no-real-node', realNodeMissing()) }, () => {
  before(async () => {
    node = await startRealNode();
    core = node.admin.makeApiClient(CoreV1Api);
    s3 = await startSeaweed({ ip: node.gateway });
    // The worker's own storage settings: the executor hands endpoint and region to its pods,
    // the keys reach them from the netgrow-storage Secret.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: s3.region,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    await openStore(`s3://${BUCKET}/setup`, { createBucket: true }).put('ready', 'yes');
    ns = await node.createNamespace('real');
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'netgrow-storage' },
        stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
      },
    });
  });
  after(async () => {
    // The node is shared with the other test files: only this file's namespace goes.
    if (ns) await core.deleteNamespace({ name: ns, gracePeriodSeconds: 0 });
    await s3?.stop();
  });

  test('a trainer container trains on S3 to a result, on the node the kubelet runs', async () => {
    const s = spec('fit');
    const ex = await executor(
      { resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '1Gi' } } },
      { keep: true },
    );
    const t0 = Date.now();
    const result = await ex.run(s);
    const [pod] = await podsOf(s);
    assert.equal(result.status, 'completed', JSON.stringify(result));
    assert.match(result.checkpoint ?? '', new RegExp(`^s3://${BUCKET}/experiments/real/`));
    assert.ok(typeof result.final?.valAcc === 'number', JSON.stringify(result));
    // A container of the image, started by containerd on the kubelet's node.
    assert.equal(pod.spec?.nodeName, 'localhost');
    const status = pod.status?.containerStatuses?.[0];
    assert.match(status?.containerID ?? '', /^containerd:\/\//);
    assert.equal(status?.image, node.trainerImage);
    assert.equal(status?.state?.terminated?.exitCode, 0);
    const started = new Date(pod.status!.startTime!).getTime();
    const ran = new Date(status!.state!.terminated!.startedAt!).getTime();
    console.log(
      `real node: pod scheduled to container started ${ran - started} ms; run ${Date.now() - t0} ms in all`,
    );
    // The log comes through the API server from the kubelet.
    const log = await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: ns });
    assert.match(log, /NETGROW_PROGRESS/);
  });

  test('a container over its memory limit is OOMKilled by the kernel, and the executor says so', async () => {
    // 60,000 colour images of 32x32 are 180 MiB as bytes, four times that as floats: far over 160Mi.
    const s = spec('oom', { dataset: { name: 'synthetic:32x32x3:60000:10c', validation: 0.1 } });
    const ex = await executor(
      { resources: { requests: { cpu: '500m', memory: '160Mi' }, limits: { memory: '160Mi' } } },
      { keep: true },
    );
    const e = await ex.run(s).then(
      () => assert.fail('the run should have been killed'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof ExecutorError, String(e));
    assert.equal(e.code, 'infrastructure');
    assert.ok(e.retryable && e.outOfMemory, e.message);
    assert.match(e.message, /OOMKilled/);
    const [pod] = await podsOf(s);
    const term = pod.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(term?.reason, 'OOMKilled');
    assert.equal(term?.exitCode, 137);
  });
});
