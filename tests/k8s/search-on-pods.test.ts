/**
 * A search through Temporal whose training runs are pods: the real workflows on the Temporal
 * dev server, production activities over the Kubernetes executor (as the netgrow-worker
 * ServiceAccount), the real API server and scheduler, and the node agent running
 * `netgrow train`. The one candidate diverges (an absurd learning rate: the trainer exits 3);
 * the workflow trains it again as a new run, in a new pod, with the adjusted rate.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { TrainActivityInput } from '../../src/contracts/activities';
import { createActivities } from '../../activities';
import { KubernetesExecutor } from '../../src/executor/kubernetes';
import { LABEL } from '../../src/executor/pod-spec';
import { PodTemplate } from '../../src/contracts/pod-template';
import { experimentRecord, writeExperimentRecord } from '../../src/experiment/experiment';
import { openStore } from '../../src/storage';
import { startSearch } from '../../src/temporal/client';
import { candidateFiles, lineageOf, parseConfig, serverAndScratch, tinyConfig } from '../e2e/support';
import { startCluster, type TestCluster } from '../support/k8s';
import { NodeAgent, startTrainerNode, TRAINER_IMAGE } from '../support/node-agent';
import { activityInputs } from '../support/temporal';

const IMAGE = TRAINER_IMAGE;
const fx = serverAndScratch('k8s-search');
let cluster: TestCluster;
let agent: NodeAgent;
let ns: string;

before(async () => {
  cluster = await startCluster();
  ns = await cluster.createNamespace('search');
  agent = await startTrainerNode(cluster);
});
after(async () => {
  await agent?.stop();
  await cluster?.stop();
});

test('a search trains its candidate in pods; a diverged run is retried in a new pod with the adjusted rate', async () => {
  const { env, dir } = fx;
  const config = parseConfig(
    tinyConfig({
      name: 'pods',
      train: { epochs: 1, batchSize: 32, optimizer: { kind: 'sgd', lr: 50, momentum: 0.9 } },
      divergence: { retries: [{ lrScale: 0.001 }] },
      budget: { candidates: 1 },
      executor: { kind: 'kubernetes', namespace: ns, gpus: 1, parallelism: 1, image: IMAGE },
    }),
  );
  assert.equal(config.executor.kind, 'kubernetes');
  if (config.executor.kind !== 'kubernetes') return;
  const executor = new KubernetesExecutor({
    kubeConfig: await cluster.serviceAccountConfig(ns, 'netgrow-worker'),
    namespace: ns,
    image: IMAGE,
    gpus: config.executor.gpus,
    pollMs: 300,
    template: PodTemplate.parse({ resources: { requests: { cpu: '100m', memory: '256Mi' } } }),
  });
  await executor.check();
  const record = experimentRecord('search', 'pods-e2e', `file://${dir}/runs`, config);
  await writeExperimentRecord(record);
  const activities = createActivities({ executor, openStore: (uri) => openStore(uri) });
  const result = await env.withWorkers(activities, async () => {
    const handle = await startSearch(env.client, {
      experimentId: record.id,
      experimentUri: record.experimentUri,
      config,
    });
    return handle.result();
  });
  assert.equal(result.reason, 'budget: candidates');
  assert.equal(result.best?.candidateId, 'g0-c0');

  const history = (await env.client.workflow.getHandle('pods-e2e.g0-c0').fetchHistory()).events ?? [];
  const inputs = activityInputs<TrainActivityInput>(history, 'train');
  assert.deepEqual(
    inputs.map((i) => [i.attempt, i.spec.runId, i.adjustment]),
    [
      [1, 'g0-c0-a1', {}],
      [2, 'g0-c0-a2', { lrScale: 0.001 }],
    ],
  );
  // One pod per run, each bound by the scheduler to the GPU node, all deleted once finished.
  const pods = agent.launched.filter((n) => n.startsWith('ng-pods-e2e-'));
  assert.equal(pods.length, 2, agent.launched.join(', '));
  assert.match(pods[0], /-g0-c0-a1-/);
  assert.match(pods[1], /-g0-c0-a2-/);
  const core = cluster.admin.makeApiClient(CoreV1Api);
  const left = await core.listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.experiment}=pods-e2e` });
  assert.deepEqual(
    left.items.map((p) => p.metadata?.name),
    [],
  );
  assert.deepEqual(
    executor.usage.map((u) => [u.node, u.gpus]),
    [
      ['gpu-a', 1],
      ['gpu-a', 1],
    ],
  );

  const exp = openStore(record.experimentUri);
  const [candidate] = await candidateFiles(exp);
  assert.deepEqual(candidate.runs, ['g0-c0-a1', 'g0-c0-a2']);
  const training = (await lineageOf(exp)).filter((e) => e.type === 'training');
  assert.deepEqual(
    training.map((e) => [e.runId, e.status]),
    [
      ['g0-c0-a1', 'diverged'],
      ['g0-c0-a2', 'completed'],
    ],
  );
});
