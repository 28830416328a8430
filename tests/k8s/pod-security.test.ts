/**
 * PodSecurity `restricted` against a real API server (its PodSecurity admission plugin is on
 * by default): in a namespace that enforces it, the executor's trainer pod is admitted and
 * trains to its result, and k8s/worker.yaml's worker pod is admitted; a pod without the
 * restricted settings is refused, so the namespace really enforces. The same cluster shows
 * a failing trainer's planted credentials masked in the executor's error and the run folder.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { ApiException, CoreV1Api, type V1Pod, type V1PodTemplateSpec } from '@kubernetes/client-node';
import { ExecutorError } from '../../src/executor/executor';
import { KubernetesExecutor } from '../../src/executor/kubernetes';
import { PodTemplate } from '../../src/contracts/pod-template';
import { TrainSpec } from '../../src/contracts/train';
import { openStore } from '../../src/storage';
import { manifestObjects, startCluster, type TestCluster } from '../support/k8s';
import { NodeAgent, startTrainerNode, TRAINER_IMAGE } from '../support/node-agent';

const ENFORCE = 'pod-security.kubernetes.io/enforce';

let cluster: TestCluster;
let agent: NodeAgent;
let core: CoreV1Api;
let ns: string;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-psa-'));
  cluster = await startCluster();
  core = cluster.admin.makeApiClient(CoreV1Api);
  ns = await cluster.createNamespace('psa');
  const namespace = await core.readNamespace({ name: ns });
  namespace.metadata!.labels = { ...namespace.metadata!.labels, [ENFORCE]: 'restricted' };
  await core.replaceNamespace({ name: ns, body: namespace });
  agent = await startTrainerNode(cluster);
});
after(async () => {
  await agent?.stop();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function executor(over: object = {}): Promise<KubernetesExecutor> {
  return new KubernetesExecutor({
    kubeConfig: await cluster.serviceAccountConfig(ns, 'netgrow-worker'),
    namespace: ns,
    image: TRAINER_IMAGE,
    gpus: 0,
    pollMs: 300,
    template: PodTemplate.parse({
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '2Gi' } },
      ...over,
    }),
  });
}

function spec(runId: string, dataset = 'synthetic:8x8x1:256:4c'): TrainSpec {
  return TrainSpec.parse({
    runId,
    checkpoint: 'builtin:seed-ga',
    output: pathToFileURL(join(dir, 'experiments', 'e1', 'candidates', runId, 'runs', runId)).href,
    seed: 3,
    dataset: { name: dataset, validation: 0.25 },
    epochs: 1,
    batchSize: 32,
  });
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e as Error,
  );
}

test('the namespace enforces restricted: a pod without its settings is refused', async () => {
  const e = await refusal(
    core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'plain' },
        spec: {
          serviceAccountName: 'netgrow-trainer',
          automountServiceAccountToken: false,
          containers: [{ name: 'c', image: TRAINER_IMAGE }],
        },
      },
    }),
  );
  assert.ok(e instanceof ApiException && e.code === 403, String(e));
  const message = (JSON.parse(String(e.body)) as { message: string }).message;
  assert.match(message, /violates PodSecurity "restricted:latest"/);
  // Each setting the trainer pod carries is one the level asks for.
  for (const setting of ['allowPrivilegeEscalation', 'capabilities.drop', 'runAsNonRoot', 'seccompProfile']) {
    assert.ok(message.includes(setting), `${setting} in: ${message}`);
  }
});

test("the executor's trainer pod is admitted and trains to its result", async () => {
  const result = await (await executor()).run(spec('admitted'));
  assert.equal(result.status, 'completed');
});

test("k8s/worker.yaml's worker pod is admitted", async () => {
  const deployment = (await manifestObjects('worker.yaml')).find((o) => o.kind === 'Deployment') as {
    spec: { template: V1PodTemplateSpec };
  };
  const body: V1Pod = { metadata: { name: 'worker' }, spec: deployment.spec.template.spec };
  const created = await core.createNamespacedPod({ namespace: ns, body, dryRun: 'All' });
  assert.equal(created.metadata?.name, 'worker');
});

test('a template with a hostPath dataset cache is refused in words, as bad input', async () => {
  const ex = await executor({ datasetCache: { hostPath: '/var/cache/netgrow' } });
  const e = await refusal(ex.run(spec('hostpath')));
  assert.ok(e instanceof ExecutorError && e.code === 'bad_input', String(e));
  assert.match(e.message, /the pod template breaks namespace .*PodSecurity "restricted:latest"/);
  assert.match(e.message, /volume "dataset-cache" uses restricted volume type "hostPath"/);
});

test("a failing trainer's planted credentials are masked in its error and pods/<name>.log", async () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const keyId = 'AKIAIOSFODNN7EXAMPLE';
  // The trainer quotes the dataset it cannot find in its error line, then exits 2.
  const s = spec('leak', `s3://b/x?aws_secret_access_key=${secret}&id=${keyId}`);
  const e = await refusal((await executor()).run(s));
  assert.ok(e instanceof ExecutorError && e.code === 'bad_input', String(e));
  assert.match(e.message, /container log \(tail\)\n.*unknown dataset/s);
  assert.match(e.message, /aws_secret_access_key=\*\*\*&id=AKIA\*\*\*/);
  const store = openStore(s.output);
  const logs = (await store.list('pods/')).filter((k) => k.endsWith('.log'));
  assert.equal(logs.length, 1);
  const stored = [await store.getText(logs[0]), e.message].join('\n');
  assert.ok(!stored.includes(secret) && !stored.includes(keyId), stored);
  assert.match(stored, /AKIA\*\*\*/);
});
