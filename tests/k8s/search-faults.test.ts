/**
 * Searches through Temporal whose training runs are pods on S3 storage: the real workflows on
 * the Temporal dev server, production activities over the Kubernetes executor (as the
 * netgrow-worker ServiceAccount), the real API server and scheduler with two GPU nodes played
 * by node agents, and a real S3 server (SeaweedFS) that the worker and the pods share, the
 * pods with keys from the netgrow-storage Secret. One start of each serves every scenario:
 * an OOM kill trained again with half the batch, GPU-seconds in the budget as the pods
 * measured them, a worker restarted mid-run adopting its pod, a cancelled search deleting
 * every pod it created, a lost node's run resuming from its checkpoint on the other node, an
 * image that cannot be pulled failing its candidate for good — each read back from workflow
 * history. Last, `netgrow worker` as an identity that lacks a verb stops before any worker.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { createActivities } from '../../activities';
import { PodTemplate } from '../../src/contracts/pod-template';
import type { SearchStatus } from '../../src/contracts/search';
import { KubernetesExecutor, type KubernetesExecutorOptions } from '../../src/executor/kubernetes';
import { LABEL } from '../../src/executor/pod-spec';
import { experimentRecord } from '../../src/experiment/experiment';
import type { SearchConfigInput } from '../../src/search/config';
import { openStore } from '../../src/storage';
import { workflowIds } from '../../src/temporal/config';
import type { CandidateResult } from '../../workflows/candidate';
import { netgrow, parseConfig, serverAndScratch, startRecorded, tinyConfig } from '../e2e/support';
import { startCluster, until, type TestCluster } from '../support/k8s';
import { trainCalls } from '../support/temporal';
import { NodeAgent, startTrainerNode, TRAINER_IMAGE } from '../support/node-agent';
import { startSeaweed, type SeaweedServer } from '../support/seaweed';

const BUCKET = 'netgrow-k8s-search';
const STORAGE = `s3://${BUCKET}/runs`;
const NODES = ['gpu-a', 'gpu-b'];
const fx = serverAndScratch('k8s-faults');
let s3: SeaweedServer;
let cluster: TestCluster;
let core: CoreV1Api;
let ns: string;
const agents: NodeAgent[] = [];
let worker: Omit<KubernetesExecutorOptions, 'image'>;
let scratch: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'netgrow-k8s-faults-'));
  s3 = await startSeaweed();
  // The worker's own credentials (its Deployment gets them from the same Secret); the local
  // record of an S3 experiment goes to NETGROW_HOME.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    NETGROW_HOME: join(scratch, 'home'),
  });
  await openStore(`s3://${BUCKET}/setup`, { createBucket: true }).put('ready', 'yes');
  cluster = await startCluster();
  core = cluster.admin.makeApiClient(CoreV1Api);
  ns = await cluster.createNamespace('faults');
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'netgrow-storage' },
      stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
    },
  });
  for (const name of NODES) agents.push(await startTrainerNode(cluster, name));
  worker = {
    kubeConfig: await cluster.serviceAccountConfig(ns, 'netgrow-worker'),
    namespace: ns,
    gpus: 1,
    pollMs: 300,
    imagePullGraceSeconds: 1,
    deleteGraceSeconds: 1,
    template: PodTemplate.parse({
      resources: { requests: { cpu: '100m', memory: '256Mi' } },
      env: [
        { name: 'AWS_ENDPOINT_URL_S3', value: s3.endpoint },
        { name: 'AWS_REGION', value: s3.region },
      ],
    }),
    log: process.env.K8S_TEST_DEBUG ? (l) => console.error(l) : undefined,
  };
});
after(async () => {
  for (const a of agents) await a.stop();
  await cluster?.stop();
  await s3?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const executor = (over: Partial<KubernetesExecutorOptions> = {}) =>
  new KubernetesExecutor({ ...worker, image: TRAINER_IMAGE, ...over });
const activitiesOf = (e: KubernetesExecutor) =>
  createActivities({ executor: e, openStore: (u) => openStore(u), trainHeartbeatMs: 200 });
const podsOf = async (experiment: string): Promise<V1Pod[]> =>
  (await core.listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.experiment}=${experiment}` })).items;
const launched = (experiment: string) =>
  agents.flatMap((a) => a.launched).filter((n) => n.startsWith(`ng-${experiment}-`));

/** A one-candidate search on the pods and the bucket, started (its workers are the test's). */
async function startOnPods(id: string, over: Partial<SearchConfigInput> = {}) {
  const config = parseConfig(
    tinyConfig({
      name: id,
      train: { epochs: 1, batchSize: 32 },
      budget: { candidates: 1 },
      executor: { kind: 'kubernetes', namespace: ns, gpus: 1, parallelism: 2, image: TRAINER_IMAGE },
      storage: { uri: STORAGE },
      ...over,
    }),
  );
  const record = experimentRecord('search', id, STORAGE, config);
  return { handle: await startRecorded(fx.env.client, record, config), record };
}

test('a search on pods and S3 runs to its result; an OOM-killed run trains again with half the batch; the budget counts the measured GPU-seconds', async () => {
  const id = 'oom-s3';
  // Killed at its first progress line, so that its log has something to show.
  for (const a of agents) {
    a.inject(
      (p) => p.metadata?.labels?.[LABEL.experiment] === id && p.metadata.labels[LABEL.run] === 'g0-c0-a1',
      {
        kind: 'oom',
        afterMs: 0,
        afterLine: /^NETGROW_PROGRESS /,
      },
    );
  }
  const { handle, record } = await startOnPods(id);
  const exec = executor();
  const { result, status } = await fx.env.withWorkers(activitiesOf(exec), async () => {
    const result = await handle.result();
    return { result, status: await handle.query<SearchStatus>('status') };
  });
  assert.equal(result.reason, 'budget: candidates');
  assert.equal(result.best?.candidateId, 'g0-c0');
  assert.match(result.reportUri ?? '', new RegExp(`^s3://${BUCKET}/runs/experiments/${id}/`));

  const calls = await trainCalls(fx.env.client, id);
  assert.deepEqual(
    calls.map((c) => [c.input.spec.runId, c.input.spec.batchSize, c.input.oomRetry ?? 0, c.input.adjustment]),
    [
      ['g0-c0-a1', 32, 0, {}],
      ['g0-c0-a1-oom1', 16, 1, { batchScale: 0.5 }],
    ],
  );
  // The OOM came back to the workflow on its first attempt, with the reason and the log tail.
  assert.equal(calls[0].attempt, 1);
  assert.equal(calls[0].failure?.type, 'TrainOutOfMemory');
  assert.match(
    calls[0].failure?.message ?? '',
    /OOMKilled: the trainer ran out of memory\n--- container log \(tail\)\n./,
  );
  assert.equal(calls[1].result?.status, 'completed');

  // GPU-seconds, from each pod's start and end times: the killed run's (in its failure's
  // details) and the new run's (in its result); the budget took both.
  const used = (run: string) => exec.usage.find((u) => u.pod.includes(`-${run}-`))?.gpuSeconds;
  assert.equal(exec.usage.length, 2, exec.usage.map((u) => u.pod).join(', '));
  assert.deepEqual(calls[0].details, [{ deviceSeconds: used('g0-c0-a1') }]);
  assert.equal(calls[1].result?.deviceSeconds, used('g0-c0-a1-oom1'));
  const total = used('g0-c0-a1')! + used('g0-c0-a1-oom1')!;
  assert.ok(Math.abs(status.deviceHours * 3600 - total) < 1e-9, `${status.deviceHours} h, ${total} s`);

  // The killed pod's record and log tail are in its run folder, in the bucket.
  const run = openStore(`${record.experimentUri}/candidates/g0-c0/runs/g0-c0-a1`);
  const logs = (await run.list('pods/')).filter((k) => k.endsWith('.log'));
  assert.equal(logs.length, 1);
  assert.match(await run.getText(logs[0]), /^OOMKilled: the trainer ran out of memory\n./);
  assert.deepEqual(await podsOf(id), [], 'finished pods are deleted');
});

test('a worker restarted mid-run adopts the running pod: one pod for the run, the retry in history', async () => {
  const id = 'adopt';
  const { handle } = await startOnPods(id, {
    train: { epochs: 8, batchSize: 32, earlyStopping: { patience: 0 } },
  });
  await fx.env.withWorkers(activitiesOf(executor()), () =>
    until(async () => (await podsOf(id)).some((p) => p.status?.phase === 'Running'), 'pod running', 90_000),
  );
  // The workers shut down (Temporal cancels the activity with WORKER_SHUTDOWN); the pod runs on.
  const [pod] = await podsOf(id);
  assert.equal(pod.metadata?.deletionTimestamp, undefined);
  const lines: string[] = [];
  const result = await fx.env.withWorkers(activitiesOf(executor({ log: (l) => lines.push(l) })), () =>
    handle.result(),
  );
  assert.equal(result.best?.candidateId, 'g0-c0');
  assert.deepEqual(launched(id), [pod.metadata?.name]);
  assert.ok(
    lines.some((l) => l.startsWith(`g0-c0-a1: adopting pod ${pod.metadata?.name}`)),
    lines.join('\n'),
  );
  const [call] = await trainCalls(fx.env.client, id);
  assert.equal(call.attempt, 2);
  assert.match(call.lastFailure ?? '', /WORKER_SHUTDOWN; pod .* left to be adopted/);
  assert.equal(call.result?.status, 'completed');
});

test('cancelling a search deletes every pod it created', async () => {
  const id = 'cancel';
  const { handle } = await startOnPods(id, {
    // Generation 1's two children train at once, one on each node.
    strategy: { kind: 'ga', population: 2, generations: 1 },
    budget: { candidates: 3 },
    train: { epochs: 12, batchSize: 32, earlyStopping: { patience: 0 } },
  });
  await fx.env.withWorkers(activitiesOf(executor()), async () => {
    await until(
      async () =>
        (await podsOf(id)).filter((p) => p.status?.phase === 'Running' && /-g1-c\d-/.test(p.metadata!.name!))
          .length === 2,
      "generation 1's pods running",
      120_000,
    );
    await handle.cancel();
    await assert.rejects(handle.result());
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
    // The candidates' workflows wait for their activities' cancel, which deletes the pods.
    await until(async () => (await podsOf(id)).length === 0, 'every pod deleted', 30_000);
  });
  assert.deepEqual(
    launched(id)
      .map((n) => /-(g\d-c\d)-a1-/.exec(n)?.[1])
      .sort(),
    ['g0-c0', 'g1-c0', 'g1-c1'],
  );
});

test('a node lost mid-training: Temporal retries the run, which resumes from its checkpoint on the other node', async () => {
  const id = 'lost';
  const { handle, record } = await startOnPods(id, {
    train: { epochs: 20, batchSize: 32, earlyStopping: { patience: 0 } },
  });
  const exec = executor();
  const result = await fx.env.withWorkers(activitiesOf(exec), async () => {
    const run = openStore(`${record.experimentUri}/candidates/g0-c0/runs/g0-c0-a1`);
    await until(
      async () => (await run.list('epochs/')).some((k) => k.endsWith('/meta.json')),
      'a first epoch checkpoint',
      90_000,
      100,
    );
    const [pod] = await podsOf(id);
    await agents[NODES.indexOf(pod.spec?.nodeName ?? '')].loseNode();
    return handle.result();
  });
  assert.equal(result.best?.candidateId, 'g0-c0');
  const [call] = await trainCalls(fx.env.client, id);
  assert.equal(call.attempt, 2);
  assert.match(call.lastFailure ?? '', /deleted before it finished \(DeletionByTaintManager/);
  // The lost pod's log is gone with its node; the tail is the trainer's last progress.json.
  assert.match(call.lastFailure ?? '', /--- container log \(tail\)\n./);
  assert.ok((call.result?.resumedFromEpoch ?? 0) >= 1, `resumed from epoch ${call.result?.resumedFromEpoch}`);
  // Both pods of the run count: the lost one until the worker saw it go.
  const total = exec.usage.filter((u) => u.pod.includes('-g0-c0-a1-')).reduce((a, u) => a + u.gpuSeconds, 0);
  assert.equal(exec.usage.filter((u) => u.pod.includes('-g0-c0-a1-')).length, 2);
  assert.ok(
    Math.abs((call.result?.deviceSeconds ?? -1) - total) < 1e-9,
    `${call.result?.deviceSeconds} vs ${total}`,
  );
});

test('an image that cannot be pulled ends the candidate with a readable, non-retryable error', async () => {
  const id = 'pull';
  const { handle } = await startOnPods(id);
  const exec = executor({ image: 'registry.invalid/none:0' });
  const result = await fx.env.withWorkers(activitiesOf(exec), () => handle.result());
  assert.equal(result.best, null);
  const [call] = await trainCalls(fx.env.client, id);
  assert.equal(call.attempt, 1, 'not retried');
  assert.equal(call.failure?.nonRetryable, true);
  assert.match(
    call.failure?.message ?? '',
    /ImagePullBackOff: Back-off pulling image "registry\.invalid\/none:0"/,
  );
  const candidate = await fx.env.client.workflow
    .getHandle<() => Promise<CandidateResult>>(workflowIds.candidate(id, 'g0-c0'))
    .result();
  assert.equal(candidate.entry.status, 'failed');
  // The pod held its GPU from its start (the node took it) until it failed.
  assert.equal(exec.usage.length, 1);
  assert.equal(candidate.deviceSeconds, exec.usage[0].gpuSeconds);
  assert.match(candidate.error ?? '', /^train: run g0-c0-a1: pod \S+ ImagePullBackOff/);
  assert.deepEqual(await podsOf(id), []);
});

test('netgrow worker as an identity whose Role lacks a verb stops before any worker, naming the verb', async () => {
  const name = 'no-delete';
  const account = await cluster.limitedAccount(ns, name, [
    { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'delete'] },
  ]);
  const token = account.getCurrentUser()?.token;
  const kubeconfig = join(scratch, 'no-delete.kubeconfig');
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "${cluster.server}", certificate-authority: "${cluster.caFile}"}}]
users: [{name: ${name}, user: {token: "${token}"}}]
contexts: [{name: ${name}, context: {cluster: test, user: ${name}}}]
current-context: ${name}
`,
    { mode: 0o600 },
  );
  const config = join(scratch, 'worker.yaml');
  await writeFile(
    config,
    `name: w\nexecutor: {kind: kubernetes, kubeconfig: "${kubeconfig}", namespace: ${ns}, image: ${TRAINER_IMAGE}}\n`,
  );
  const r = await netgrow(
    [
      'worker',
      '--executor',
      'kubernetes',
      '--executor-config',
      config,
      '--temporal-address',
      fx.env.server.address,
    ],
    { env: { KUBERNETES_SERVICE_HOST: '' }, timeoutMs: 60_000 },
  );
  assert.equal(r.code, 2, r.stderr);
  // What it is doing, then the one error line.
  assert.deepEqual(r.stderr.trim().split('\n'), [
    "worker: checking the Kubernetes cluster and this worker's rights",
    `netgrow: the worker's Kubernetes identity may not delete pods in namespace ${ns}; grant them with the Role in k8s/rbac.yaml`,
  ]);
  assert.doesNotMatch(r.stdout, /^worker \d+/m, 'no worker started');
});
