/**
 * Kubernetes for tests, from the binaries scripts/k8s-testenv/build.sh builds into
 * .tools/k8s/bin (scripts/test.sh runs it before any k8s test). Two fixtures:
 *
 * - `startCluster`: a control plane of this test file alone: etcd, kube-apiserver (RBAC, TLS
 *   on loopback, service-account tokens) and kube-scheduler. No kubelet and no controller
 *   manager run: tests/support/node-agent.ts plays the kubelet, and what the controllers would
 *   create (a namespace's ServiceAccounts) the fixture creates from k8s/rbac.yaml. Every
 *   process has a dead-man's-switch shell that kills it when this test process goes away.
 * - `startRealNode`: the one real cluster all test files share (scripts/k8s-testenv/up.sh:
 *   controller manager, containerd, a kubelet; the trainer image imported), started by the
 *   first file that asks and reused by the next; scripts/test.sh stops it at the end.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  type KubernetesObject,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { freePorts, lostPortRace, PortRace, retryPortRace } from './ports';
import { makeCa, signCert } from './pki';
import { until } from './until';

export { freePorts, until };

const ROOT = resolve(__dirname, '../..');
/** Where build.sh puts the binaries: $NETGROW_K8S_DIR/bin, as build.sh and up.sh read it. */
export const K8S_BIN = join(process.env.NETGROW_K8S_DIR ?? join(ROOT, '.tools/k8s'), 'bin');
export const K8S_MANIFESTS = resolve(__dirname, '../../k8s');

export interface TestCluster {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly caFile: string;
  /** A kubeconfig file with context `admin` (system:masters). */
  readonly kubeconfigPath: string;
  readonly admin: KubeConfig;
  /** A serving certificate signed by the cluster CA, for the node agent's kubelet endpoint. */
  readonly kubeletTls: { cert: string; key: string };
  /** A new namespace holding the objects of k8s/rbac.yaml (ServiceAccounts, Role, binding). */
  createNamespace(prefix?: string): Promise<string>;
  /** A KubeConfig that authenticates as the ServiceAccount, with a token from the TokenRequest API. */
  serviceAccountConfig(namespace: string, serviceAccount: string): Promise<KubeConfig>;
  /**
   * A ServiceAccount `name` in the namespace, bound to a Role of its own holding just `rules`
   * (an identity that lacks a verb), as a KubeConfig.
   */
  limitedAccount(namespace: string, name: string, rules: V1PolicyRule[]): Promise<KubeConfig>;
  stop(): Promise<void>;
}

export function k8sBinariesPresent(): boolean {
  return ['etcd', 'kube-apiserver', 'kube-scheduler'].every((b) => existsSync(join(K8S_BIN, b)));
}

export async function startCluster(): Promise<TestCluster> {
  if (!k8sBinariesPresent()) {
    throw new Error('no Kubernetes test binaries in .tools/k8s/bin: run bash scripts/k8s-testenv/build.sh');
  }
  // etcd's and the API server's ports are found free, then bound by them: a start that lost one
  // to another process is retried on fresh ports (tests/support/ports.ts).
  return retryPortRace(() => startClusterOnce());
}

async function startClusterOnce(): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'netgrow-k8s-'));
  const pki = join(dir, 'pki');
  await mkdir(pki);
  makePki(pki);
  const token = randomBytes(16).toString('hex');
  await writeFile(join(pki, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
  const [etcdClient, etcdPeer, apiPort] = await freePorts(3);
  const procs: Guarded[] = [];
  const stop = async () => {
    for (const p of procs.reverse()) await p.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const etcdData = join(dir, 'etcd');
    await mkdir(etcdData, { mode: 0o700 });
    procs.push(
      launch('etcd', join(dir, 'etcd.log'), [
        '--name=test',
        `--data-dir=${etcdData}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=test=http://127.0.0.1:${etcdPeer}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ]),
    );
    procs.push(
      launch('kube-apiserver', join(dir, 'apiserver.log'), [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${pki}/apiserver.crt`,
        `--tls-private-key-file=${pki}/apiserver.key`,
        `--client-ca-file=${pki}/ca.crt`,
        `--token-auth-file=${pki}/tokens.csv`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki}/sa.pub`,
        `--service-account-signing-key-file=${pki}/sa.key`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--endpoint-reconciler-type=none',
        // Pod watches straight from etcd, compacted every 2 s: an old resourceVersion expires
        // (410 Gone) within a test, as it does on a busy cluster, instead of being served from
        // a watch cache that has not yet filled.
        '--etcd-compaction-interval=2s',
        '--watch-cache-sizes=pods#0',
        // pods/log goes through the API server to the node agent's endpoint, verified by our CA.
        `--kubelet-certificate-authority=${pki}/ca.crt`,
        `--kubelet-client-certificate=${pki}/admin.crt`,
        `--kubelet-client-key=${pki}/admin.key`,
        '--kubelet-preferred-address-types=InternalIP',
        `--cert-dir=${dir}/certs`,
      ]),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const caFile = join(pki, 'ca.crt');
    await untilReady(server, readFileSync(caFile), token, procs, join(dir, 'apiserver.log'));
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, caFile, token), { mode: 0o600 });
    procs.push(
      launch('kube-scheduler', join(dir, 'scheduler.log'), [
        `--kubeconfig=${kubeconfigPath}`,
        '--leader-elect=false',
        '--secure-port=0',
      ]),
    );
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfigPath);
    return {
      server,
      caFile,
      kubeconfigPath,
      admin,
      kubeletTls: {
        cert: readFileSync(join(pki, 'kubelet.crt'), 'utf8'),
        key: readFileSync(join(pki, 'kubelet.key'), 'utf8'),
      },
      createNamespace: (prefix = 't') => createNamespace(admin, prefix),
      serviceAccountConfig: (ns, sa) => serviceAccountConfig(admin, server, caFile, ns, sa),
      limitedAccount: async (ns, name, rules) => {
        await createLimitedAccount(admin, ns, name, rules);
        return serviceAccountConfig(admin, server, caFile, ns, name);
      },
      stop,
    };
  } catch (e) {
    const logs = ['etcd.log', 'apiserver.log'].map((f) => join(dir, f));
    const raced = logs.some((f) => existsSync(f) && lostPortRace(readFileSync(f, 'utf8')));
    await stop();
    throw raced
      ? new PortRace(`the control plane lost a port to another process: ${(e as Error).message}`)
      : e;
  }
}

/** The manifests of one file in k8s/, as objects. */
export async function manifestObjects(file: string): Promise<KubernetesObject[]> {
  const text = await readFile(join(K8S_MANIFESTS, file), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);
}

async function createNamespace(admin: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  const objects = KubernetesObjectApi.makeApiClient(admin);
  for (const o of await manifestObjects('rbac.yaml')) {
    await objects.create({ ...o, metadata: { ...o.metadata, namespace: name } });
  }
  return name;
}

async function createLimitedAccount(
  admin: KubeConfig,
  namespace: string,
  name: string,
  rules: V1PolicyRule[],
): Promise<void> {
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await admin
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    },
  });
}

async function serviceAccountConfig(
  admin: KubeConfig,
  server: string,
  caFile: string,
  namespace: string,
  serviceAccount: string,
): Promise<KubeConfig> {
  const req = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server, caFile, skipTLSVerify: false }],
    users: [{ name: serviceAccount, token: req.status?.token }],
    contexts: [{ name: serviceAccount, cluster: 'test', user: serviceAccount, namespace }],
    currentContext: serviceAccount,
  });
  return kc;
}

function kubeconfigYaml(server: string, caFile: string, token: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "${server}", certificate-authority: "${caFile}"}
users:
- name: admin
  user: {token: "${token}"}
contexts:
- name: admin
  context: {cluster: test, user: admin}
current-context: admin
`;
}

/** CA, API server and kubelet serving certificates, an admin client certificate, the SA key pair. */
function makePki(p: string): void {
  makeCa(p, 'ca', '/CN=netgrow-test-ca');
  execFileSync('openssl', ['genrsa', '-out', 'sa.key', '2048'], { cwd: p, stdio: 'ignore' });
  execFileSync('openssl', ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], { cwd: p, stdio: 'ignore' });
  const san = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
  signCert(p, 'apiserver', '/CN=kube-apiserver', `${san},IP:10.0.0.1\\nextendedKeyUsage=serverAuth`);
  signCert(p, 'kubelet', '/CN=netgrow-test-node', `${san}\\nextendedKeyUsage=serverAuth`);
  signCert(p, 'admin', '/O=system:masters/CN=admin', 'extendedKeyUsage=clientAuth');
}

interface Guarded {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

function launch(bin: string, logPath: string, args: string[]): Guarded {
  const log = openSync(logPath, 'a');
  const child = spawn(join(K8S_BIN, bin), args, { stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const exited = new Promise<void>((res) => {
    child.once('exit', () => res());
    child.once('error', () => res());
  });
  const guard = spawn(
    '/bin/sh',
    ['-c', 'read -r _; kill -KILL "$1" 2>/dev/null', `${bin}-guard`, `${child.pid}`],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  guard.unref();
  (guard.stdin as unknown as Socket).unref();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // Nothing here outlives the test (etcd's data dir is deleted next), so no graceful
        // shutdown: the API server's would wait on its open watches for seconds.
        child.ref();
        child.kill('SIGKILL');
        await exited;
      }
      process.removeListener('exit', killOnExit);
      guard.kill('SIGKILL');
    },
  };
}

async function untilReady(
  server: string,
  ca: Buffer,
  token: string,
  procs: Guarded[],
  logPath: string,
): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    // etcd gone (a port it lost, say) is as final as the API server gone.
    if (procs.some((p) => p.child.exitCode !== null)) break;
    if (await readyz(server, ca, token)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const tail = readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n');
  throw new Error(`kube-apiserver did not become ready\n--- ${logPath} (tail)\n${tail}`);
}

function readyz(server: string, ca: Buffer, token: string): Promise<boolean> {
  return new Promise((res) => {
    const req = request(`${server}/readyz`, { ca, headers: { authorization: `Bearer ${token}` } }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on('error', () => res(false));
    req.setTimeout(2000, () => req.destroy());
    req.end();
  });
}

/** The real one-node cluster of scripts/k8s-testenv/up.sh, as a test sees it. */
export interface RealNode {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly caFile: string;
  /** A kubeconfig with a system:masters client certificate. */
  readonly kubeconfigPath: string;
  readonly admin: KubeConfig;
  /** The pods' bridge address on this machine: the only one of its addresses pods reach. */
  readonly gateway: string;
  /** The trainer image of scripts/trainer-image.sh, imported into the node's containerd. */
  readonly trainerImage: string;
  /** The node's state folder (logs/ holds every component's log). */
  readonly dir: string;
  createNamespace(prefix?: string): Promise<string>;
  serviceAccountConfig(namespace: string, serviceAccount: string): Promise<KubeConfig>;
  /** Kills the kubelet (scripts/k8s-testenv/kubelet.sh): the node stops reporting, containers run on. */
  stopKubelet(): Promise<void>;
  /** Starts the kubelet again and waits until the node is Ready. */
  startKubelet(): Promise<void>;
  /** Binds k8s/rbac-nodes.yaml's ClusterRole (read nodes) to the namespace's netgrow-worker. */
  bindNodeReader(namespace: string): Promise<void>;
  /** Ids of the running containers of a pod (by name; not its sandbox), as containerd sees them. */
  runningContainers(pod: string): string[];
  /** Whether the node's Ready condition is True now. */
  nodeReady(): Promise<boolean>;
  /**
   * The trainer image under another name with another ENTRYPOINT and no CMD, as a user's image
   * built on netgrow's might be: a new config and manifest over the same layer, imported into
   * the node's containerd (milliseconds: the layer is there already).
   */
  trainerImageWithEntrypoint(entrypoint: string[]): Promise<string>;
  /**
   * The trainer image of `scripts/trainer-image.sh --backend tensorflow` (TensorFlow's libraries,
   * the tfjs binding and the graph engine), built and imported into the node beside the default
   * one: about 40 s to build and 12 s to import when the sources changed, cached otherwise.
   */
  tensorflowImage(): Promise<string>;
}

/** What this machine lacks to run the real node, or null. */
export function realNodeMissing(): string | null {
  if (process.getuid?.() !== 0) return 'a kubelet and containerd need root';
  const bins = ['etcd', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'kubelet'];
  const absent = bins.filter((b) => !existsSync(join(K8S_BIN, b)));
  if (absent.length > 0) return `no ${absent.join(', ')} in ${K8S_BIN} (bash scripts/k8s-testenv/build.sh)`;
  const tools = ['/usr/bin/containerd', '/usr/sbin/runc', '/usr/bin/buildah', '/usr/lib/cni/bridge'];
  const missing = tools.filter((t) => !existsSync(t));
  if (missing.length > 0) {
    return `no ${missing.join(', ')} (apt-get install containerd runc containernetworking-plugins buildah)`;
  }
  return null;
}

let realNode: Promise<RealNode> | undefined;

/**
 * The shared real node: up.sh starts it, or finds it up and Ready and reuses it (importing the
 * trainer image when this checkout's changed). A cold start builds the images first (the
 * trainer image ~30 s on 2 cores), then the node is Ready in under 10 s.
 */
export function startRealNode(): Promise<RealNode> {
  realNode ??= upRealNode();
  return realNode;
}

/** up.sh with `args`: the assignments it printed, each one checked for in `need`. */
async function up(args: string[], need: string[]): Promise<Record<string, string>> {
  const stdout = await new Promise<string>((res, rej) => {
    execFile(
      'bash',
      [join(ROOT, 'scripts/k8s-testenv/up.sh'), ...args],
      { timeout: 900_000, maxBuffer: 1 << 20 },
      (err, out, errOut) => {
        if (err) rej(new Error(`scripts/k8s-testenv/up.sh failed: ${err.message}\n${errOut.slice(-2000)}`));
        else res(out);
      },
    );
  });
  const env = Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  const lacking = need.filter((k) => !env[k]);
  if (lacking.length > 0) throw new Error(`up.sh printed no ${lacking.join(', ')}:\n${stdout}`);
  return env;
}

async function upRealNode(): Promise<RealNode> {
  const env = await up(
    ['--trainer'],
    [
      'NETGROW_NODE_DIR',
      'NETGROW_NODE_SERVER',
      'NETGROW_NODE_GATEWAY',
      'KUBECONFIG',
      'NETGROW_TRAINER_IMAGE',
    ],
  );
  const admin = new KubeConfig();
  admin.loadFromFile(env.KUBECONFIG);
  const caFile = join(env.NETGROW_NODE_DIR, 'pki/ca.crt');
  return {
    server: env.NETGROW_NODE_SERVER,
    caFile,
    kubeconfigPath: env.KUBECONFIG,
    admin,
    gateway: env.NETGROW_NODE_GATEWAY,
    trainerImage: env.NETGROW_TRAINER_IMAGE,
    dir: env.NETGROW_NODE_DIR,
    createNamespace: (prefix = 't') => createNamespace(admin, prefix),
    serviceAccountConfig: (ns, sa) => serviceAccountConfig(admin, env.NETGROW_NODE_SERVER, caFile, ns, sa),
    stopKubelet: () => kubelet(env.NETGROW_NODE_DIR, 'stop'),
    startKubelet: async () => {
      await kubelet(env.NETGROW_NODE_DIR, 'start');
      await until(() => nodeReady(admin), 'node localhost Ready after the kubelet started again', 60_000);
    },
    nodeReady: () => nodeReady(admin),
    runningContainers: (pod) => runningContainers(env.CONTAINERD_ADDRESS, pod),
    bindNodeReader: (ns) => bindNodeReader(admin, ns),
    trainerImageWithEntrypoint: (entrypoint) =>
      imageWithEntrypoint(env.CONTAINERD_ADDRESS, env.NETGROW_TRAINER_IMAGE, entrypoint),
    tensorflowImage: async () => {
      const name = 'NETGROW_TRAINER_IMAGE_TENSORFLOW';
      return (await up(['--trainer', '--image', 'tensorflow'], [name]))[name];
    },
  };
}

/** `ctr` on the node's containerd, in the namespace the kubelet's containers live in. */
const ctrAt = (containerd: string, ...args: string[]): Buffer =>
  execFileSync('ctr', ['--address', containerd, '-n', 'k8s.io', ...args], { maxBuffer: 1 << 24 });

function runningContainers(containerd: string, pod: string): string[] {
  const ctr = (...args: string[]) =>
    ctrAt(containerd, ...args)
      .toString()
      .split('\n');
  const ofPod = new Set(
    ctr(
      'containers',
      'ls',
      '-q',
      `labels."io.kubernetes.pod.name"==${pod},labels."io.cri-containerd.kind"==container`,
    ).filter(Boolean),
  );
  return ctr('tasks', 'ls')
    .map((line) => line.trim().split(/\s+/))
    .filter(([id, , status]) => ofPod.has(id) && status === 'RUNNING')
    .map(([id]) => id);
}

async function bindNodeReader(admin: KubeConfig, namespace: string): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(admin);
  for (const o of await manifestObjects('rbac-nodes.yaml')) {
    const bound =
      o.kind === 'ClusterRoleBinding'
        ? {
            ...o,
            metadata: { name: `${o.metadata!.name}-${namespace}` },
            subjects: [{ kind: 'ServiceAccount', name: 'netgrow-worker', namespace }],
          }
        : o;
    // The ClusterRole is the cluster's, made by the first test file that asks.
    await objects.create(bound).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
  }
}

function kubelet(dir: string, verb: 'start' | 'stop'): Promise<void> {
  return new Promise((res, rej) =>
    execFile(
      'bash',
      [join(ROOT, 'scripts/k8s-testenv/kubelet.sh'), verb],
      { env: { ...process.env, NETGROW_NODE_DIR: dir }, timeout: 30_000 },
      (err, _out, errOut) => (err ? rej(new Error(`kubelet.sh ${verb}: ${err.message}\n${errOut}`)) : res()),
    ),
  );
}

async function nodeReady(admin: KubeConfig): Promise<boolean> {
  const node = await admin
    .makeApiClient(CoreV1Api)
    .readNode({ name: 'localhost' })
    .catch(() => null);
  return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function imageWithEntrypoint(containerd: string, base: string, entrypoint: string[]): Promise<string> {
  const ctr = (...args: string[]) => ctrAt(containerd, ...args);
  const digest = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const target = /\s(sha256:[0-9a-f]{64})\s/.exec(ctr('images', 'ls', `name==${base}`).toString())?.[1];
  if (!target) throw new Error(`image ${base} is not in the node's containerd`);
  const manifest = JSON.parse(ctr('content', 'get', target).toString());
  const config = JSON.parse(ctr('content', 'get', manifest.config.digest).toString());
  config.config = { ...config.config, Entrypoint: entrypoint, Cmd: null };
  const configBlob = Buffer.from(JSON.stringify(config));
  manifest.config = { ...manifest.config, digest: digest(configBlob), size: configBlob.length };
  const manifestBlob = Buffer.from(JSON.stringify(manifest));
  const name = `localhost/netgrow-test:entrypoint-${digest(manifestBlob).slice(7, 19)}`;
  // An OCI layout without the layer: containerd has it under the same digest already.
  const layout = await mkdtemp(join(tmpdir(), 'netgrow-image-'));
  try {
    await mkdir(join(layout, 'blobs/sha256'), { recursive: true });
    for (const blob of [configBlob, manifestBlob]) {
      await writeFile(join(layout, 'blobs/sha256', digest(blob).slice(7)), blob);
    }
    const ref = { 'org.opencontainers.image.ref.name': name };
    const entry = { mediaType: manifest.mediaType, digest: digest(manifestBlob), size: manifestBlob.length };
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ ...entry, annotations: ref }] }),
    );
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    execFileSync('tar', ['-cf', 'image.tar', 'oci-layout', 'index.json', 'blobs'], { cwd: layout });
    ctr('images', 'import', join(layout, 'image.tar'));
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
  return name;
}

/**
 * The API server's Prometheus metrics, as lines (`name{labels} value`), read with `kc`'s
 * credentials (an admin's: /metrics is a non-resource URL).
 */
export async function apiServerMetrics(kc: KubeConfig): Promise<string[]> {
  const opts: import('node:https').RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const server = kc.getCurrentCluster()!.server;
  return new Promise((res, rej) => {
    request(`${server}/metrics`, opts, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () =>
        r.statusCode === 200
          ? res(body.split('\n'))
          : rej(new Error(`GET /metrics: ${r.statusCode} ${body}`)),
      );
    })
      .on('error', rej)
      .end();
  });
}

/** The sum of a metric's samples whose labels include every `labels` pair. */
export function metricSum(lines: string[], name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of lines) {
    if (!line.startsWith(`${name}{`)) continue;
    const [, set, value] = /^[^{]+\{(.*)\} (\S+)$/.exec(line) ?? [];
    if (set === undefined) continue;
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(value);
  }
  return sum;
}
