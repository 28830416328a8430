/**
 * The Kubernetes executor against a real API server and scheduler, with the node agent as the
 * kubelet running real `netgrow train --spec` processes on synthetic data and file:// storage.
 * The executor authenticates as the netgrow-worker ServiceAccount bound by k8s/rbac.yaml, so
 * these tests also prove that Role grants what the executor needs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { CoreV1Api, type V1Pod, type V1Role } from '@kubernetes/client-node';
import { ExecutorError, type TrainProgress } from '../../src/executor/executor';
import { KubernetesExecutor, type KubernetesExecutorOptions } from '../../src/executor/kubernetes';
import { REQUIRED_ACCESS } from '../../src/executor/pod-access';
import { createKubernetesExecutor } from '../../src/executor/kubernetes-config';
import { LABEL, runIdentity } from '../../src/executor/pod-spec';
import { PodTemplate } from '../../src/contracts/pod-template';
import { PodInformer } from '../../src/executor/pod-informer';
import { SearchConfig } from '../../src/search/config';
import { openStore } from '../../src/storage';
import { TrainSpec, type TrainSpecInput } from '../../src/contracts/train';
import { freePorts, manifestObjects, startCluster, until, type TestCluster } from '../support/k8s';
import { NodeAgent, OTHER_ENTRYPOINT_IMAGE, startTrainerNode, TRAINER_IMAGE } from '../support/node-agent';

const IMAGE = TRAINER_IMAGE;

let cluster: TestCluster;
let agent: NodeAgent;
let core: CoreV1Api;
let ns: string;
let dir: string;
let workerOptions: Omit<KubernetesExecutorOptions, 'template'>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-k8s-exec-'));
  cluster = await startCluster();
  core = cluster.admin.makeApiClient(CoreV1Api);
  ns = await cluster.createNamespace('exec');
  agent = await startTrainerNode(cluster);
  workerOptions = {
    kubeConfig: await cluster.serviceAccountConfig(ns, 'netgrow-worker'),
    namespace: ns,
    image: IMAGE,
    gpus: 1,
    pollMs: 300,
    log: process.env.K8S_TEST_DEBUG ? (l) => console.error(l) : undefined,
  };
});
after(async () => {
  await agent?.stop();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

const template = (over: object = {}) =>
  PodTemplate.parse({
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '2Gi' } },
    ...over,
  });

function executor(over: Partial<KubernetesExecutorOptions> = {}): KubernetesExecutor {
  return new KubernetesExecutor({ ...workerOptions, template: template(), ...over });
}

function spec(runId: string, over: Partial<TrainSpecInput> = {}): TrainSpec {
  return TrainSpec.parse({
    runId,
    checkpoint: 'builtin:seed-ga',
    output: pathToFileURL(join(dir, 'experiments', 'e1', 'candidates', runId, 'runs', runId)).href,
    seed: 3,
    dataset: { name: 'synthetic:8x8x1:256:4c', validation: 0.25 },
    epochs: 1,
    batchSize: 32,
    logEverySteps: 2,
    ...over,
  });
}

const podsOf = async (s: TrainSpec): Promise<V1Pod[]> =>
  (await core.listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.runKey}=${runIdentity(s).runKey}` }))
    .items;

async function rejection(p: Promise<unknown>): Promise<ExecutorError> {
  const e = await p.then(
    () => assert.fail('expected the run to fail'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof ExecutorError, `expected an ExecutorError, got ${String(e)}`);
  return e;
}

describe('a training run as a pod', () => {
  test('trains in the pod to its result, reporting progress and GPU-seconds', async () => {
    const s = spec('ok');
    const progress: TrainProgress[] = [];
    // An image whose ENTRYPOINT is not netgrow: the pod's own command is netgrow's entry point.
    const ex = executor({ keepPods: true, image: OTHER_ENTRYPOINT_IMAGE });
    const result = await ex.run(s, { onProgress: (p) => progress.push(p) });
    assert.equal(result.status, 'completed');
    assert.equal(result.runId, 'ok');
    assert.ok(result.checkpoint);
    assert.ok(progress.length > 0 && progress.at(-1)!.epoch >= 1, JSON.stringify(progress));
    const [pod] = await podsOf(s);
    assert.equal(pod.spec?.nodeName, 'gpu-a');
    assert.deepEqual(pod.spec?.containers[0].command, ['node', '/opt/netgrow/bin/netgrow.js']);
    assert.deepEqual(pod.spec?.containers[0].args, ['train', '--spec', `${s.output}/trainspec.json`]);
    assert.equal(pod.metadata?.labels?.[LABEL.experiment], 'e1');
    assert.equal(ex.usage.length, 1);
    assert.ok(ex.usage[0].gpuSeconds > 0 && ex.usage[0].gpus === 1);
    await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: ns });
  });

  test('a restarted worker adopts the running pod instead of starting a second trainer', async () => {
    const s = spec('adopt', { epochs: 3 });
    const first = executor();
    const firstRun = first.run(s);
    await until(async () => (await podsOf(s))[0]?.status?.phase === 'Running', 'pod running');
    first.close(); // the worker goes away; its pod must not
    const e = await rejection(firstRun);
    assert.match(e.message, /left running/);
    assert.equal((await podsOf(s))[0]?.metadata?.deletionTimestamp, undefined);

    const result = await executor().run(s);
    assert.equal(result.status, 'completed');
    assert.equal(agent.launched.filter((n) => n.includes('-adopt-')).length, 1);
    assert.deepEqual(await podsOf(s), []); // finished pods are deleted
  });

  test('an OOMKilled pod fails retryably, and the retry runs in a new pod', async () => {
    const s = spec('oom');
    agent.inject((p) => p.metadata?.labels?.[LABEL.run] === 'oom', { kind: 'oom', afterMs: 300 });
    const e = await rejection(executor().run(s));
    assert.equal(e.code, 'infrastructure');
    assert.ok(e.retryable);
    assert.match(e.message, /OOMKilled/);
    const retried = await executor().run(s);
    assert.equal(retried.status, 'completed');
    const launched = agent.launched.filter((n) => n.includes('-oom-'));
    assert.equal(launched.length, 2);
    assert.match(launched[1], /-2$/);
  });

  test('a trainer that rejects its input fails for good, with its own error line', async () => {
    const e = await rejection(executor().run(spec('bad', { dataset: { name: 'no-such-dataset' } })));
    assert.equal(e.code, 'bad_input');
    assert.match(e.message, /exited with code 2/);
    assert.match(e.message, /container log \(tail\)\n.*no-such-dataset/s);
  });

  test("a command the image lacks: StartError, the runtime's message in the failure, no device time", async () => {
    const ex = executor({ template: template({ command: ['netgrow-not-here'] }) });
    const e = await rejection(ex.run(spec('nocmd')));
    assert.equal(e.code, 'bad_input');
    assert.match(
      e.message,
      /exited with code 128 \(StartError\): .*exec: "netgrow-not-here": executable file not found in \$PATH/,
    );
    // Its container reported startedAt 1970-01-01: never ran, so nothing to bill.
    assert.equal(ex.usage.length, 1);
    assert.equal(ex.usage[0].seconds, 0);
  });

  test('an image that cannot be pulled fails for good after its grace period, with the reason', async () => {
    const e = await rejection(
      executor({ image: 'registry.invalid/netgrow:nope', imagePullGraceSeconds: 1 }).run(spec('pull')),
    );
    assert.equal(e.code, 'bad_input');
    assert.match(e.message, /ImagePullBackOff|ErrImagePull/);
  });

  test('a pod no node can take fails after the unschedulable timeout', async () => {
    const waited: (string | null)[] = [];
    const run = executor({ gpus: 4, unschedulableTimeoutSeconds: 2 }).run(spec('big'), {
      onWaiting: (why) => waited.push(why),
    });
    const e = await rejection(run);
    assert.equal(e.code, 'bad_input');
    assert.match(e.message, /Insufficient nvidia\.com\/gpu/);
    // While it waited, the scheduler's reason went to the heartbeat (netgrow status shows it).
    assert.ok(
      waited.some((w) => w !== null && /^unschedulable: .*Insufficient nvidia\.com\/gpu/.test(w)),
      JSON.stringify(waited),
    );
  });

  test('a node lost mid-training fails the run retryably; the retry resumes from its checkpoint elsewhere', async () => {
    const lost = await startTrainerNode(cluster, 'gpu-b');
    try {
      const s = spec('lost', { epochs: 30 });
      const run = executor({
        template: template({ nodeSelector: { 'kubernetes.io/hostname': 'gpu-b' } }),
      }).run(s);
      const out = openStore(s.output);
      await until(
        async () => (await out.list('epochs/')).some((k) => k.endsWith('/meta.json')),
        'a first epoch checkpoint',
        60_000,
        50,
      );
      await lost.loseNode();
      const e = await rejection(run);
      assert.equal(e.code, 'infrastructure');
      assert.match(e.message, /deleted before it finished.*DeletionByTaintManager/s);

      // The retry (same spec, as Temporal retries the activity) lands on the node still up.
      const result = await executor().run(s);
      assert.equal(result.status, 'completed');
      assert.ok((result.resumedFromEpoch ?? 0) >= 1, `resumed from epoch ${result.resumedFromEpoch}`);
    } finally {
      await lost.stop();
    }
  });

  test(
    'a node that stops reporting while its trainer finishes: the run ends with the result in storage',
    {
      timeout: 90_000,
    },
    async () => {
      const node = await startTrainerNode(cluster, 'gpu-c');
      try {
        const s = spec('partition', { epochs: 3 });
        const onC = template({ nodeSelector: { 'kubernetes.io/hostname': 'gpu-c' } });
        // No lost-node timeout: only the result in storage can end this wait.
        const run = executor({ template: onC, lostNodeTimeoutSeconds: null }).run(s);
        await until(async () => (await podsOf(s))[0]?.status?.phase === 'Running', 'pod running');
        await node.partition();
        const result = await run;
        assert.equal(result.status, 'completed');
        assert.equal(result.runId, 'partition');
        await until(async () => (await podsOf(s)).length === 0, 'the stranded pod deleted', 15_000);
        // Another attempt at the run takes the result from storage and starts no pod.
        const launched = agent.launched.length + node.launched.length;
        assert.equal((await executor().run(s)).status, 'completed');
        assert.equal(agent.launched.length + node.launched.length, launched);
      } finally {
        await node.stop();
      }
    },
  );

  test(
    'a pod whose node stays away past lostNodeTimeout fails retryably, and goes even when pods are kept',
    {
      timeout: 60_000,
    },
    async () => {
      const node = await startTrainerNode(cluster, 'gpu-d');
      try {
        const s = spec('stranded', { epochs: 50 });
        const onD = template({ nodeSelector: { 'kubernetes.io/hostname': 'gpu-d' } });
        const run = executor({ template: onD, lostNodeTimeoutSeconds: 1, keepPods: true }).run(s);
        await until(async () => (await podsOf(s))[0]?.status?.phase === 'Running', 'pod running');
        await node.partition();
        const e = await rejection(run);
        assert.equal(e.code, 'infrastructure');
        assert.match(
          e.message,
          /node gpu-d lost: the pod has not been Ready for more than 1 s \(lostNodeTimeout\)/,
        );
        await until(async () => (await podsOf(s)).length === 0, 'the lost pod deleted', 15_000);
      } finally {
        await node.stop();
      }
    },
  );

  test('an evicted pod fails retryably', async () => {
    agent.inject((p) => p.metadata?.labels?.[LABEL.run] === 'evict', { kind: 'evict', afterMs: 300 });
    const e = await rejection(executor().run(spec('evict')));
    assert.equal(e.code, 'infrastructure');
    assert.match(e.message, /evicted: The node was low on resource: memory/);
  });

  test("a worker shutdown (Temporal's WORKER_SHUTDOWN cancel) leaves the pod running for the next attempt", async () => {
    const s = spec('shutdown', { epochs: 3 });
    const shutdown = new AbortController();
    const run = executor().run(s, { signal: shutdown.signal });
    await until(async () => (await podsOf(s))[0]?.status?.phase === 'Running', 'pod running');
    shutdown.abort(new CancelledFailure('WORKER_SHUTDOWN'));
    const e = await rejection(run);
    assert.equal(e.code, 'infrastructure');
    assert.match(e.message, /WORKER_SHUTDOWN; pod .* left to be adopted/);
    const [pod] = await podsOf(s);
    assert.equal(pod.metadata?.deletionTimestamp, undefined);
    assert.equal((await executor().run(s)).status, 'completed');
  });

  test('cancelling deletes the pod', async () => {
    const s = spec('cancel', { epochs: 3 });
    const abort = new AbortController();
    const run = executor({ deleteGraceSeconds: 1 }).run(s, { signal: abort.signal });
    await until(async () => (await podsOf(s))[0]?.status?.phase === 'Running', 'pod running');
    abort.abort();
    const e = await rejection(run);
    assert.equal(e.code, 'cancelled');
    await until(async () => (await podsOf(s)).length === 0, 'pod gone', 15_000);
  });
});

describe('admission on a shared cluster', () => {
  /**
   * A namespace of its own with the quota `compute` (pods: 1) fully used. With no
   * controller-manager here, the test sets the quota's status as the quota controller would:
   * the ResourceQuota admission plugin refuses against status.hard and status.used.
   */
  async function fullQuota(): Promise<{ namespace: string; setUsed: (pods: string) => Promise<void> }> {
    const namespace = await cluster.createNamespace('quota');
    await core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'compute' }, spec: { hard: { pods: '1' } } },
    });
    const setUsed = async (pods: string) => {
      const q = await core.readNamespacedResourceQuota({ name: 'compute', namespace });
      q.status = { hard: { pods: '1' }, used: { pods } };
      await core.replaceNamespacedResourceQuotaStatus({ name: 'compute', namespace, body: q });
    };
    await setUsed('1');
    return { namespace, setUsed };
  }

  const inNamespace = async (namespace: string, over: Partial<KubernetesExecutorOptions> = {}) =>
    executor({
      kubeConfig: await cluster.serviceAccountConfig(namespace, 'netgrow-worker'),
      namespace,
      quotaBackoffMs: 300,
      ...over,
    });

  test('a pod over the ResourceQuota waits, saying why, and runs once the quota frees; the wait has a limit', async () => {
    const { namespace, setUsed } = await fullQuota();
    const late = await rejection(
      (await inNamespace(namespace, { quotaWaitTimeoutSeconds: 1 })).run(spec('quota-late')),
    );
    assert.equal(late.code, 'bad_input');
    assert.match(
      late.message,
      /^run quota-late: the ResourceQuota of namespace quota-\w+ kept refusing the trainer pod for more than 1 s \(executor.quotaWaitTimeout\): .*exceeded quota: compute/,
    );

    const waiting: (string | null)[] = [];
    const run = (await inNamespace(namespace)).run(spec('quota'), { onWaiting: (why) => waiting.push(why) });
    await until(async () => waiting.length > 0, 'the run says it waits');
    assert.match(
      waiting[0] ?? '',
      /^waiting for quota: .*exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1/,
    );
    assert.deepEqual(await core.listNamespacedPod({ namespace }).then((l) => l.items), [], 'no pod yet');
    await setUsed('0'); // what the quota controller writes once another pod ends
    const result = await run;
    assert.equal(result.status, 'completed');
    assert.ok(waiting.includes(null), 'the wait is over once the pod exists');
  });

  test("a LimitRange that forbids the pod's resources fails the run at once, naming the limit", async () => {
    const namespace = await cluster.createNamespace('limits');
    await core.createNamespacedLimitRange({
      namespace,
      body: {
        metadata: { name: 'per-container' },
        spec: { limits: [{ type: 'Container', max: { memory: '1Gi' } }] },
      },
    });
    const failed = await rejection((await inNamespace(namespace)).run(spec('limited')));
    assert.equal(failed.code, 'bad_input');
    assert.match(
      failed.message,
      /^run limited: a LimitRange of namespace limits-\w+ forbids the trainer pod's resources .*: .*maximum memory usage per Container is 1Gi, but limit is 2Gi/,
    );
    assert.deepEqual(await core.listNamespacedPod({ namespace }).then((l) => l.items), []);
  });
});

describe('before any training', () => {
  test('a worker whose Role lacks a verb is told which one', async () => {
    const account = await cluster.limitedAccount(ns, 'no-watch', [
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'delete'] },
    ]);
    const limited = executor({ kubeConfig: account });
    const e = await rejection(limited.run(spec('nowatch')));
    assert.equal(e.code, 'bad_input');
    assert.match(e.message, /may not watch pods in namespace/);
    assert.deepEqual(await podsOf(spec('nowatch')), []);

    // The trainer's own account has no API rights at all: every verb is named.
    const none = await rejection(
      executor({ kubeConfig: await cluster.serviceAccountConfig(ns, 'netgrow-trainer') }).check(),
    );
    assert.match(
      none.message,
      /may not create pods, get pods, list pods, watch pods, delete pods, get pods\/log/,
    );
  });

  test('a request no node offers is named at the check; without the right to list nodes, that is said', async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    // The node agent offers one GPU: two per pod fit nowhere; one does.
    await executor({ kubeConfig: cluster.admin, gpus: 2, log, unschedulableTimeoutSeconds: 60 }).check();
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(
      lines[0],
      /^warning: none of the \d+ node\(s\) that take pods offers all a trainer pod requests: nvidia\.com\/gpu 2 \(the most a node offers: 1\); its pods will wait Pending up to 60 s each, then fail$/,
    );
    lines.length = 0;
    await executor({ kubeConfig: cluster.admin, gpus: 1, log }).check();
    assert.deepEqual(lines, []);
    // The worker's Role (k8s/rbac.yaml) is namespaced: it cannot list nodes, and the check goes on.
    await executor({ gpus: 2, log }).check();
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^note: cannot list the cluster's nodes \(.*forbidden.*\); pod requests not checked against them$/,
    );
  });

  test('the Role in k8s/rbac.yaml grants exactly the calls the executor makes, no more', async () => {
    const role = (await manifestObjects('rbac.yaml')).find((o) => o.kind === 'Role') as V1Role;
    const granted = role.rules!.flatMap((r) =>
      r.resources!.flatMap((res) => r.verbs.map((verb) => `${verb} ${res} ${r.apiGroups!.join(',')}`)),
    );
    const used = REQUIRED_ACCESS.map(
      (a) => `${a.verb} ${a.resource}${'subresource' in a ? `/${a.subresource}` : ''} `,
    );
    assert.deepEqual(granted.sort(), used.sort());
  });

  test('a kubernetes config whose cluster does not answer is an error, with the server named', async () => {
    const [port] = await freePorts(1);
    const kubeconfig = join(dir, 'unreachable.kubeconfig');
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: "t"}}]
contexts: [{name: gone, context: {cluster: gone, user: u}}, {name: other, context: {cluster: gone, user: u}}]
current-context: other
`,
    );
    const config = SearchConfig.parse({
      name: 'x',
      executor: { kind: 'kubernetes', kubeconfig, context: 'gone', image: IMAGE },
    }).executor;
    assert.equal(config.kind, 'kubernetes');
    if (config.kind !== 'kubernetes') return;
    const e = await rejection(createKubernetesExecutor(config));
    assert.match(e.message, new RegExp(`cannot reach the Kubernetes API at https://127.0.0.1:${port}`));
    const wrongContext = await rejection(createKubernetesExecutor({ ...config, context: 'nope' }));
    assert.match(wrongContext.message, /no context "nope" in the kubeconfig \(it has: gone, other\)/);
  });
});

describe('the pod watch', () => {
  test('a watch whose resourceVersion expired (410 Gone) lists the pods again and goes on', async () => {
    const name = 'watched';
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name, labels: { 'app.kubernetes.io/name': 'netgrow-trainer' } },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: 'netgrow-trainer',
          automountServiceAccountToken: false,
          nodeSelector: { 'kubernetes.io/hostname': 'nowhere' },
          containers: [{ name: 'c', image: IMAGE }],
        },
      },
    });
    // The fixture's API server compacts etcd every 2 s: let version 1 be compacted away.
    await new Promise((r) => setTimeout(r, 5000));
    const abort = new AbortController();
    let relists = 0;
    const informer = new PodInformer(workerOptions.kubeConfig, {
      namespace: ns,
      labelSelector: 'app.kubernetes.io/name=netgrow-trainer',
      resourceVersion: '1', // long gone from the API server's watch cache
      onRelist: () => relists++,
    });
    const changed = (async () => {
      for await (const e of informer.events(created, { tickMs: 60_000, signal: abort.signal })) {
        if (e.type === 'pod' && e.pod.metadata?.labels?.step === 'changed') return e.pod;
      }
      return null;
    })();
    await until(
      async () => relists === 1 && informer.watchRequests >= 2,
      'a list after the 410, and a new watch',
    );
    const pod = await core.readNamespacedPod({ name, namespace: ns });
    pod.metadata!.labels = { ...pod.metadata!.labels, step: 'changed' };
    await core.replaceNamespacedPod({ name, namespace: ns, body: pod });
    assert.ok(await changed, 'the change after the list reached the run');
    abort.abort();
    assert.equal(relists, 1);
    assert.equal(informer.listRequests, 1);
    await core.deleteNamespacedPod({ name, namespace: ns, gracePeriodSeconds: 0 });
  });
});
