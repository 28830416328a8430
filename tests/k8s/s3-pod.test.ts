/**
 * A training pod on S3 storage (a real SeaweedFS on loopback): the worker writes the spec to
 * the bucket with credentials from its own environment, the pod reads them from the
 * netgrow-storage Secret by reference, and no key appears in the pod object; the endpoint and
 * region reach the pod from the worker's environment (no `executor.pod.env` needed).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { KubernetesExecutor } from '../../src/executor/kubernetes';
import { LABEL, runIdentity } from '../../src/executor/pod-spec';
import { PodTemplate } from '../../src/contracts/pod-template';
import { openStore } from '../../src/storage';
import { TrainSpec } from '../../src/contracts/train';
import { startCluster, type TestCluster } from '../support/k8s';
import { NodeAgent, startTrainerNode, TRAINER_IMAGE } from '../support/node-agent';
import { startSeaweed, type SeaweedServer } from '../support/seaweed';

const IMAGE = TRAINER_IMAGE;
const BUCKET = 'netgrow-k8s';
let cluster: TestCluster;
let agent: NodeAgent;
let s3: SeaweedServer;
let ns: string;

before(async () => {
  s3 = await startSeaweed();
  // The worker's own credentials, as its Deployment gets them from the same Secret.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });
  await openStore(`s3://${BUCKET}/setup`, { createBucket: true }).put('ready', 'yes');
  cluster = await startCluster();
  ns = await cluster.createNamespace('s3');
  await cluster.admin.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'netgrow-storage' },
      stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
    },
  });
  agent = await startTrainerNode(cluster);
});
after(async () => {
  await agent?.stop();
  await cluster?.stop();
  await s3?.stop();
});

test('a pod trains on s3:// with the keys from the Secret, and the pod object holds none', async () => {
  const executor = new KubernetesExecutor({
    kubeConfig: await cluster.serviceAccountConfig(ns, 'netgrow-worker'),
    namespace: ns,
    image: IMAGE,
    gpus: 1,
    pollMs: 300,
    keepPods: true,
    // The default envFrom (the netgrow-storage Secret) brings the keys; the endpoint and region
    // come from the worker's own environment, as its ConfigMap gives them to it.
    template: PodTemplate.parse({ resources: { requests: { cpu: '100m', memory: '256Mi' } } }),
  });
  const spec = TrainSpec.parse({
    runId: 's3-a1',
    checkpoint: 'builtin:seed-ga',
    output: `s3://${BUCKET}/experiments/e3/candidates/s3/runs/s3-a1`,
    dataset: { name: 'synthetic:8x8x1:256:4c', validation: 0.25 },
    epochs: 1,
    batchSize: 32,
  });
  const result = await executor.run(spec);
  assert.equal(result.status, 'completed');
  assert.match(result.checkpoint ?? '', new RegExp(`^s3://${BUCKET}/experiments/e3/`));
  const run = openStore(spec.output);
  assert.deepEqual(JSON.parse(await run.getText('trainspec.json')), spec);
  const pods = await cluster.admin
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.runKey}=${runIdentity(spec).runKey}` });
  assert.equal(pods.items.length, 1);
  const podText = JSON.stringify(pods.items[0]);
  assert.ok(!podText.includes(s3.secretAccessKey) && !podText.includes(s3.accessKeyId), 'no key in the pod');
  const env = pods.items[0].spec?.containers[0].env ?? [];
  assert.deepEqual(JSON.parse(JSON.stringify(env.filter((e) => e.name.startsWith('AWS_')))), [
    { name: 'AWS_REGION', value: s3.region },
    { name: 'AWS_ENDPOINT_URL_S3', value: s3.endpoint },
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(pods.items[0].spec?.containers[0].envFrom)), [
    { secretRef: { name: 'netgrow-storage', optional: true } },
  ]);
});
