/**
 * A search's own `executor` section, against a real kube-apiserver: the train activity's
 * settings become that search's pods (image, namespace, nodeSelector, resources, read back from
 * the API server), a field the worker forbids fails the run as non-retryable bad input naming
 * the field before any pod exists, and `netgrow search --check` asks the cluster (a verb the
 * identity lacks, a namespace that does not exist, each named in its one line).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { TrainActivityInput } from '../../src/contracts/activities';
import { trainActivityInput } from '../support/train-input';
import type { SearchExecutorSettings } from '../../src/contracts/executor-settings';
import { createKubernetesExecutor } from '../../src/executor/kubernetes-config';
import type { KubernetesExecutor } from '../../src/executor/kubernetes';
import { LABEL } from '../../src/executor/pod-spec';
import { SearchConfig, type KubernetesExecutorConfig } from '../../src/search/config';
import { openStore } from '../../src/storage';
import { netgrow } from '../e2e/support';
import { quietActivityEnv } from '../activities/mock';
import { startCluster, until, type TestCluster } from '../support/k8s';

let cluster: TestCluster;
let core: CoreV1Api;
let rbac: RbacAuthorizationV1Api;
let ns: string;
/** A second namespace the worker's ServiceAccount is granted the Role of k8s/rbac.yaml in. */
let other: string;
let dir: string;
let workerKubeconfig: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-k8s-search-exec-'));
  cluster = await startCluster();
  core = cluster.admin.makeApiClient(CoreV1Api);
  rbac = cluster.admin.makeApiClient(RbacAuthorizationV1Api);
  ns = await cluster.createNamespace('own');
  other = await cluster.createNamespace('other');
  await rbac.createNamespacedRoleBinding({
    namespace: other,
    body: {
      metadata: { name: 'worker-from-own' },
      subjects: [{ kind: 'ServiceAccount', name: 'netgrow-worker', namespace: ns }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'netgrow-trainer-launcher' },
    },
  });
  workerKubeconfig = await kubeconfigFile(
    'worker',
    (await cluster.serviceAccountConfig(ns, 'netgrow-worker')).exportConfig(),
  );
});
after(async () => {
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function kubeconfigFile(name: string, text: string): Promise<string> {
  const path = join(dir, `${name}.kubeconfig`);
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

/** The worker's executor, as `netgrow worker --executor-config` builds it. */
async function workerExecutor(executor: object): Promise<KubernetesExecutor> {
  const config = SearchConfig.parse({
    name: 'w',
    executor: {
      kind: 'kubernetes',
      kubeconfig: workerKubeconfig,
      namespace: ns,
      image: 'netgrow-trainer:worker',
      gpus: 0,
      deleteGrace: '1s',
      ...executor,
    },
  }).executor as KubernetesExecutorConfig;
  return createKubernetesExecutor(config, { env: {}, pollMs: 200 });
}

function input(candidateId: string, executor: SearchExecutorSettings): TrainActivityInput {
  return { ...trainActivityInput(dir, 'e1', candidateId), executor };
}

const podsOf = async (namespace: string, candidate: string): Promise<V1Pod[]> =>
  (await core.listNamespacedPod({ namespace, labelSelector: `${LABEL.candidate}=${candidate}` })).items;

test("a search's image, namespace, nodeSelector and resources are its pod's, merged over the worker's", async () => {
  const executor = await workerExecutor({
    allowSearch: ['image', 'namespace', 'pod.nodeSelector', 'pod.resources'],
    pod: {
      nodeSelector: { zone: 'a' },
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } },
    },
  });
  const { train } = createActivities({ executor, openStore: (u) => openStore(u) });
  const env = quietActivityEnv();
  const running = env.run(
    train,
    input('c1', {
      image: 'ghcr.io/org/netgrow-trainer:search',
      namespace: other,
      pod: {
        nodeSelector: { pool: 'gpu' },
        resources: { requests: { cpu: '2' }, limits: { memory: '2Gi' } },
      },
    }),
  );
  const outcome = running.then(
    () => 'finished',
    (e: unknown) => e,
  );
  // No node matches: the pod waits Pending, and is read back from the API server as created.
  let ended: unknown = null;
  void outcome.then((e) => (ended = e));
  const [pod] = await until(async () => {
    if (ended) throw ended instanceof Error ? ended : new Error(String(ended));
    const pods = await podsOf(other, 'c1');
    return pods.length > 0 ? pods : null;
  }, "the search's pod in its namespace");
  env.cancel();
  await outcome;
  const c = pod.spec!.containers[0];
  assert.equal(pod.metadata!.namespace, other);
  assert.equal(c.image, 'ghcr.io/org/netgrow-trainer:search');
  assert.deepEqual(pod.spec!.nodeSelector, { zone: 'a', pool: 'gpu' });
  assert.deepEqual(JSON.parse(JSON.stringify(c.resources)), {
    requests: { cpu: '2', memory: '1Gi' },
    limits: { memory: '2Gi' },
  });
  assert.deepEqual(await podsOf(ns, 'c1'), [], "none in the worker's own namespace");
  await until(async () => ((await podsOf(other, 'c1')).length === 0 ? true : null), 'the cancelled pod gone');
});

test('a field the worker forbids fails the run as non-retryable bad input naming it, before any pod', async () => {
  // No allowSearch: a search may not move its pods out of the worker's namespace.
  const executor = await workerExecutor({});
  const { train } = createActivities({ executor, openStore: (u) => openStore(u) });
  const e = await quietActivityEnv()
    .run(train, input('c2', { namespace: other, image: 'ghcr.io/org/netgrow-trainer:search' }))
    .then(
      () => assert.fail('expected a failure'),
      (err: unknown) => err,
    );
  assert.ok(e instanceof ApplicationFailure, String(e));
  assert.equal(e.nonRetryable, true);
  assert.equal(
    e.message,
    "executor.namespace: this worker does not let a search set it (its executor.allowSearch does not list namespace); remove it from the search config, or add it to the worker's allowSearch",
  );
  assert.deepEqual(await podsOf(other, 'c2'), []);
  assert.deepEqual(await podsOf(ns, 'c2'), []);
});

/** `netgrow search --config … --check` of a kubernetes search as the identity of `kubeconfig`. */
async function check(name: string, kubeconfig: string, namespace: string) {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `name: ${name}
dataset: { name: 'synthetic:8x8x1:256:4c' }
temporal: { address: '127.0.0.1:7233' }
storage: { uri: 's3://bucket/netgrow' }
executor: { kind: kubernetes, kubeconfig: '${kubeconfig}', namespace: ${namespace}, image: 'netgrow-trainer:test' }
`,
  );
  return netgrow(['search', '--config', file, '--check'], {
    env: { KUBERNETES_SERVICE_HOST: '' },
    timeoutMs: 60_000,
  });
}

test('--check asks the cluster: a verb the identity lacks is named, a missing namespace is named', async () => {
  const name = 'no-log';
  const account = await cluster.limitedAccount(ns, name, [
    { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'delete'] },
  ]);
  const noLog = await kubeconfigFile(name, account.exportConfig());
  const lacking = await check('lacks-log', noLog, ns);
  assert.equal(lacking.code, 2, lacking.stderr);
  const line = lacking.stderr.trim().split('\n').at(-1);
  assert.match(
    line ?? '',
    new RegExp(
      `lacks-log\\.yaml: executor\\.namespace: this identity \\(.*\\) may not get pods/log in namespace ${ns}; grant it with the Role and RoleBinding of k8s/rbac\\.yaml$`,
    ),
  );
  assert.doesNotMatch(lacking.stderr, /at .*\.ts:\d+/, 'no stack trace');

  const missing = await check('no-ns', cluster.kubeconfigPath, 'nowhere');
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(
    missing.stderr,
    /no-ns\.yaml: executor\.namespace: namespace nowhere does not exist on https:\/\/127\.0\.0\.1:\d+; create it/,
  );

  const fine = await check('fine', workerKubeconfig, ns);
  assert.equal(fine.code, 0, fine.stderr);
  assert.match(fine.stdout, /fine\.yaml: valid/);
});
