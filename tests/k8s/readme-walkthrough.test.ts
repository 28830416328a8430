/**
 * k8s/README.md, "Pointing netgrow at a cluster, Temporal and a bucket", followed step by step
 * on the real node, as a new user would: the manifests of k8s/ applied with kubectl (the
 * worker Deployment runs `netgrow worker` in a container of the trainer image, in-cluster, as
 * the netgrow-worker ServiceAccount), a Temporal server without netgrow's search attributes
 * until the README's `netgrow temporal setup`, a real S3 server, the Secret made as
 * secret.example.yaml says, and the README's own search config (shrunk to this machine), which
 * `--check` accepts and `netgrow search` runs to its result, following it to the end.
 *
 * What this machine changes, and only that: the node is labelled as the example's nodeSelector
 * asks and its PriorityClass is created (a cluster of the example's kind has both); the search
 * is smaller and asks no GPU (the node has none), and pods reach the API server, Temporal and
 * S3 at the pod bridge's gateway (no kube-proxy or DNS here): the ConfigMap names the API
 * server as KUBERNETES_SERVICE_HOST/PORT, which a real cluster's kubelet sets by itself.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { openStore } from '../../src/storage';
import {
  freePorts,
  K8S_BIN,
  K8S_MANIFESTS,
  realNodeMissing,
  startRealNode,
  until,
  type RealNode,
} from '../support/k8s';
import { skipWhen } from '../support/skip';
import { startSeaweed, type SeaweedServer } from '../support/seaweed';

const ROOT = resolve(__dirname, '../..');
const NETGROW = join(ROOT, 'bin/netgrow.js');
const BUCKET = 'my-bucket';

let node: RealNode;
let s3: SeaweedServer;
let temporal: ChildProcess;
let temporalAddress: string;
const proxies: Server[] = [];
let work: string;
const cleanup: (() => Promise<unknown>)[] = [];

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  return new Promise((res) => {
    execFile(cmd, args, { env, cwd: work, timeout: timeoutMs, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const storageEnv = () => ({
  AWS_ENDPOINT_URL_S3: s3.endpoint,
  AWS_REGION: s3.region,
  AWS_ACCESS_KEY_ID: s3.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
});

/** The user's shell: kubectl on PATH, the admin kubeconfig, the storage settings and keys. */
const userEnv = (): NodeJS.ProcessEnv => ({
  PATH: `${K8S_BIN}:${process.env.PATH}`,
  HOME: work,
  KUBECONFIG: node.kubeconfigPath,
  ...storageEnv(),
});

const kubectl = async (...args: string[]): Promise<void> => {
  const r = await run('kubectl', args, userEnv(), 120_000);
  // The verb and object only: a `--from-literal` of the Secret is no message's business.
  assert.equal(r.code, 0, `kubectl ${args.slice(0, 4).join(' ')}: ${r.stderr}`);
};

/** A TCP forwarder from `host:port` to the same port on loopback. */
async function forward(host: string, port: number): Promise<Server> {
  const server = createServer((c) => {
    const upstream = connect(port, '127.0.0.1');
    c.pipe(upstream).pipe(c);
    upstream.on('error', () => c.destroy());
    c.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  return server;
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const c = connect(port, host, () => {
      c.destroy();
      res(true);
    });
    c.on('error', () => res(false));
  });
}

/** The fenced yaml block of README step 5: the search config a user copies. */
async function readmeSearchConfig(): Promise<Record<string, unknown>> {
  const readme = await readFile(join(K8S_MANIFESTS, 'README.md'), 'utf8');
  const step = readme.slice(readme.indexOf('5. A search config for the cluster'));
  const block = /```yaml\n([\s\S]*?)```/.exec(step);
  assert.ok(block, 'README step 5 has no yaml block');
  return parse(block[1]) as Record<string, unknown>;
}

/** One key's value in a YAML file of manifests, set in place (the README's "set … in …"). */
interface Manifest {
  data: Record<string, string>;
  images: unknown;
  replicas: unknown;
}
async function setInFile(file: string, edit: (doc: Manifest) => void): Promise<void> {
  const docs = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as Manifest);
  docs.forEach(edit);
  await writeFile(file, docs.map((d) => stringify(d)).join('---\n'));
}

interface Outcome {
  state: string;
  result: {
    candidates: number;
    best: unknown;
    leaderboard: { candidateId: string; valAcc: number | null }[];
  };
}

describe('k8s/README.md on the real node', { skip: skipWhen('no-real-node', realNodeMissing()) }, () => {
  before(async () => {
    node = await startRealNode();
    work = await mkdtemp(join(tmpdir(), 'netgrow-readme-'));
    s3 = await startSeaweed({ ip: node.gateway });
    // The bucket of step 3, which a user has before they start.
    Object.assign(process.env, storageEnv());
    await openStore(`s3://${BUCKET}/setup`, { createBucket: true }).put('ready', 'yes');
    // A Temporal server as a user's cluster has it: netgrow's search attributes not registered.
    // On loopback (the dev server's history service dials 127.0.0.1 whatever its --ip), and
    // forwarded from the gateway, where the worker pod reaches it.
    const [port] = await freePorts(1);
    temporal = spawn(
      join(ROOT, '.tools/bin/temporal'),
      ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless'],
      { stdio: 'ignore', env: { ...process.env, HOME: work } },
    );
    process.once('exit', () => temporal.kill('SIGKILL'));
    await until(() => answers('127.0.0.1', port), 'the Temporal server', 60_000, 500);
    proxies.push(await forward(node.gateway, port));
    temporalAddress = `${node.gateway}:${port}`;
    // The API server too (its certificate names 10.88.0.1).
    proxies.push(await forward(node.gateway, Number(new URL(node.server).port)));
  });
  after(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => undefined);
    temporal?.kill('SIGKILL');
    for (const p of proxies) p.close();
    await s3?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('every step as written: image, Temporal, storage, kubectl apply -k, --check, a search followed to its result', async () => {
    const k8s = join(work, 'k8s');
    await cp(K8S_MANIFESTS, k8s, { recursive: true });
    const core = node.admin.makeApiClient(CoreV1Api);
    // What an earlier run that was killed left (the README's namespace is a fixed name).
    await kubectl('delete', 'namespace', 'netgrow', '--ignore-not-found', '--wait=true');
    cleanup.push(() => core.deleteNamespace({ name: 'netgrow', gracePeriodSeconds: 0 }));

    // 1. The image, named in kustomization.yaml (`images:`) and worker-config.yaml.
    const [imageName, imageTag] = node.trainerImage.split(/:(?=[^:/]+$)/);
    await setInFile(join(k8s, 'kustomization.yaml'), (d) => {
      d.images = [{ name: 'netgrow', newName: imageName, newTag: imageTag }];
      // Two cores here: one worker, not the Deployment's two.
      d.replicas = [{ name: 'netgrow-worker', count: 1 }];
    });
    // 2. Temporal: the address in worker-config.yaml, and netgrow's search attributes registered.
    // 3. Storage: the region and S3-compatible endpoint in worker-config.yaml.
    await setInFile(join(k8s, 'worker-config.yaml'), (d) => {
      Object.assign(d.data, {
        NETGROW_TRAINER_IMAGE: node.trainerImage,
        TEMPORAL_ADDRESS: temporalAddress,
        AWS_REGION: s3.region,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        // This machine only (see the header): where pods reach the API server.
        KUBERNETES_SERVICE_HOST: node.gateway,
        KUBERNETES_SERVICE_PORT: new URL(node.server).port,
      });
    });
    const setup = await run(
      NETGROW,
      ['temporal', 'setup', '--temporal-address', temporalAddress],
      userEnv(),
      60_000,
    );
    assert.equal(setup.code, 0, setup.stderr);

    // 4. kubectl apply -k k8s/, and the Secret secret.example.yaml describes.
    await kubectl('apply', '-k', k8s);
    cleanup.push(() => kubectl('delete', '-f', join(k8s, 'rbac-nodes.yaml')));
    await kubectl(
      ...['-n', 'netgrow', 'create', 'secret', 'generic', 'netgrow-storage'],
      `--from-literal=AWS_ACCESS_KEY_ID=${s3.accessKeyId}`,
      `--from-literal=AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}`,
    );

    // 5. The README's search config, shrunk to this machine.
    const config = await readmeSearchConfig();
    const executor = config.executor as {
      pod: { nodeSelector: Record<string, string>; priorityClassName: string };
    };
    const [label, value] = Object.entries(executor.pod.nodeSelector)[0];
    await kubectl('label', 'node', 'localhost', `${label}=${value}`, '--overwrite');
    cleanup.push(() => kubectl('label', 'node', 'localhost', `${label}-`));
    await kubectl('delete', 'priorityclass', executor.pod.priorityClassName, '--ignore-not-found');
    await kubectl('create', 'priorityclass', executor.pod.priorityClassName, '--value=100');
    cleanup.push(() => kubectl('delete', 'priorityclass', executor.pod.priorityClassName));
    Object.assign(config, {
      dataset: { ...(config.dataset as object), limit: 0.02, validation: 0.25 },
      strategy: { ...(config.strategy as object), population: 2, generations: 1 },
      train: { epochs: 1, batchSize: 32 },
      storage: { uri: `s3://${BUCKET}/netgrow` },
      temporal: { address: temporalAddress },
    });
    Object.assign(executor, {
      gpus: 0,
      parallelism: 1,
      pod: {
        ...executor.pod,
        resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1536Mi' } },
      },
    });
    const file = join(work, 'search.yaml');
    await writeFile(file, stringify(config));
    const check = await run(NETGROW, ['search', '--config', file, '--check'], userEnv(), 120_000);
    assert.equal(check.code, 0, check.stdout + check.stderr);

    const t0 = Date.now();
    const search = await run(NETGROW, ['search', '--config', file, '--json'], userEnv(), 900_000);
    assert.equal(search.code, 0, `${search.stdout}\n${search.stderr}`);
    const outcome = JSON.parse(search.stdout) as Outcome;
    console.log(`README search on the real node: ${Math.round((Date.now() - t0) / 1000)} s`);
    assert.equal(outcome.state, 'completed', search.stdout);
    assert.ok(outcome.result.candidates >= 2 && outcome.result.best, search.stdout);

    // Every candidate ran in a container of the image on the node, as the worker pod made it.
    const store = openStore(`s3://${BUCKET}/netgrow`);
    const records = (await store.list('')).filter((k) => /\/pods\/[^/]+\.json$/.test(k));
    assert.ok(records.length >= 2, records.join('\n'));
    for (const key of records) {
      const rec = JSON.parse(await store.getText(key));
      assert.equal(rec.node, 'localhost', key);
      assert.equal(rec.image, node.trainerImage, key);
      assert.equal(rec.end.state, 'finished', key);
    }
    const workers = await core.listNamespacedPod({
      namespace: 'netgrow',
      labelSelector: 'app=netgrow-worker',
    });
    assert.equal(workers.items[0]?.status?.phase, 'Running');

    // The same search on the process executor (trainers as child processes here, the embedded
    // Temporal server, the dataset read locally): each candidate's validation accuracy within
    // noise of the pods'. Both train on the wasm backend, the one the image carries, so the
    // executor is the only difference.
    const local: Record<string, unknown> = {
      ...config,
      name: 'fmnist-local',
      executor: { kind: 'process', parallelism: 1 },
      storage: { uri: `s3://${BUCKET}/local` },
    };
    delete local.temporal;
    const localFile = join(work, 'local.yaml');
    await writeFile(localFile, stringify(local));
    const onProcess = await run(
      NETGROW,
      ['search', '--config', localFile, '--json', '--headless'],
      { ...userEnv(), NETGROW_BACKEND: 'wasm' },
      900_000,
    );
    assert.equal(onProcess.code, 0, `${onProcess.stdout}\n${onProcess.stderr}`);
    const there = JSON.parse(onProcess.stdout) as Outcome;
    const validation = Math.round(0.02 * 60_000 * 0.25);
    const rows = outcome.result.leaderboard.map((pod) => {
      const proc = there.result.leaderboard.find((e) => e.candidateId === pod.candidateId);
      assert.ok(proc && pod.valAcc !== null && proc.valAcc !== null, JSON.stringify({ pod, proc }));
      // Two independent scores of one candidate on `validation` images: the SE of their difference.
      const p = (pod.valAcc + proc.valAcc) / 2;
      const se = Math.sqrt((2 * p * (1 - p)) / validation);
      return { candidate: pod.candidateId, pod: pod.valAcc, process: proc.valAcc, se };
    });
    console.log(`pods vs process executor, valAcc on ${validation} images: ${JSON.stringify(rows)}`);
    assert.equal(rows.length, there.result.leaderboard.length);
    for (const r of rows) {
      assert.ok(
        Math.abs(r.pod - r.process) <= 2 * r.se,
        `${r.candidate}: beyond noise: ${JSON.stringify(r)}`,
      );
    }
  });
});
