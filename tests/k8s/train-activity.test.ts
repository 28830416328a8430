/**
 * The train activity over the Kubernetes executor, in a mocked activity context against the
 * real API server and scheduler with the node agent: what Temporal sees of a pod's progress,
 * of its failures (retryable or not) and of a cancel, which must delete the pod.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { TrainActivityInput, TrainHeartbeat } from '../../src/contracts/activities';
import { KubernetesExecutor, type KubernetesExecutorOptions } from '../../src/executor/kubernetes';
import { LABEL } from '../../src/executor/pod-spec';
import { PodTemplate } from '../../src/contracts/pod-template';
import { openStore } from '../../src/storage';
import type { TrainResult, TrainSpecInput } from '../../src/contracts/train';
import { trainActivityInput } from '../support/train-input';
import { quietActivityEnv } from '../activities/mock';
import { startCluster, until, type TestCluster } from '../support/k8s';
import { NodeAgent, startTrainerNode, TRAINER_IMAGE } from '../support/node-agent';

const IMAGE = TRAINER_IMAGE;

let cluster: TestCluster;
let agent: NodeAgent;
let core: CoreV1Api;
let ns: string;
let dir: string;
let options: KubernetesExecutorOptions;
let train: ReturnType<typeof createActivities>['train'];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-k8s-activity-'));
  cluster = await startCluster();
  core = cluster.admin.makeApiClient(CoreV1Api);
  ns = await cluster.createNamespace('act');
  agent = await startTrainerNode(cluster);
  options = {
    kubeConfig: await cluster.serviceAccountConfig(ns, 'netgrow-worker'),
    namespace: ns,
    image: IMAGE,
    gpus: 1,
    pollMs: 300,
    imagePullGraceSeconds: 1,
    deleteGraceSeconds: 1,
    template: PodTemplate.parse({ resources: { requests: { cpu: '100m', memory: '256Mi' } } }),
  };
  train = activitiesOver(new KubernetesExecutor(options)).train;
});
after(async () => {
  await agent?.stop();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

function input(candidateId: string, over: Partial<TrainSpecInput> = {}): TrainActivityInput {
  return trainActivityInput(dir, 'e2', candidateId, { batchSize: 32, logEverySteps: 2, ...over });
}

const activitiesOver = (executor: KubernetesExecutor) =>
  createActivities({ executor, openStore: (u) => openStore(u), trainHeartbeatMs: 200 });
const podsOf = async (candidate: string) =>
  (await core.listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.candidate}=${candidate}` })).items;

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const e = await p.then(
    () => assert.fail('expected a failure'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof ApplicationFailure, `an ApplicationFailure, got ${String(e)}`);
  return e;
}

describe('the train activity on pods', () => {
  test("heartbeats carry the pod trainer's progress, and the result comes back", async () => {
    const beats: TrainHeartbeat[] = [];
    const env = quietActivityEnv();
    env.on('heartbeat', (d: TrainHeartbeat) => beats.push(d));
    const result = (await env.run(train, input('c1'))) as TrainResult;
    assert.equal(result.status, 'completed');
    assert.ok(
      beats.some((b) => b.epoch === 1 && (b.stepsPerEpoch ?? 0) > 0),
      JSON.stringify(beats.at(-1)),
    );
    const output = openStore((input('c1').spec as TrainSpecInput).output);
    const record = JSON.parse(await output.getText(`pods/${agent.launched[0]}.json`)) as {
      end: { state: string };
      usage: { gpuSeconds: number };
    };
    assert.equal(record.end.state, 'finished');
    assert.ok(record.usage.gpuSeconds > 0);
  });

  test('an OOMKilled pod is a retryable TrainOutOfMemory failure; a bad image a non-retryable one', async () => {
    agent.inject((p) => p.metadata?.labels?.[LABEL.candidate] === 'c2', { kind: 'oom', afterMs: 200 });
    const oom = await failure(quietActivityEnv().run(train, input('c2')));
    assert.deepEqual([oom.type, oom.nonRetryable], ['TrainOutOfMemory', false]);
    assert.match(oom.message, /OOMKilled/);

    const pull = activitiesOver(
      new KubernetesExecutor({ ...options, image: 'registry.invalid/none:0' }),
    ).train;
    const e = await failure(quietActivityEnv().run(pull, input('c3')));
    assert.deepEqual([e.type, e.nonRetryable], ['BadInput', true]);
    assert.match(e.message, /ImagePullBackOff|ErrImagePull/);
  });

  test('cancelling the activity deletes its pod', async () => {
    const env = quietActivityEnv();
    const running = env.run(train, input('c4', { epochs: 3 }));
    await until(async () => (await podsOf('c4'))[0]?.status?.phase === 'Running', 'pod running');
    env.cancel();
    await assert.rejects(running, (e) => e instanceof CancelledFailure);
    await until(async () => (await podsOf('c4')).length === 0, 'pod deleted', 15_000);
  });
});
