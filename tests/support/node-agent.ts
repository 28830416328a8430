/**
 * A test kubelet: one Node advertising `nvidia.com/gpu`, whose bound pods run as local
 * processes. It does through the API what a kubelet does — node status, pod status (Running,
 * then Succeeded or Failed with the container's exit code and reason), graceful deletion — and
 * serves container logs on a TLS endpoint the API server proxies `pods/log` to. An image runs
 * only when `images` maps it to a local entrypoint; any other image fails to pull, as an
 * unknown image does on a real node. Faults (OOM kill, eviction, node loss) are injected per pod.
 *
 * Kept beside the real node (tests/k8s/real-node*.test.ts) for what one real node cannot do:
 * two GPU nodes (a run lost with one node resuming on the other), and whole searches through
 * Temporal under each fault without a container start per attempt.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CoreV1Api, KubeConfig, Watch, type V1ContainerStatus, type V1Pod } from '@kubernetes/client-node';

/**
 * `afterMs` counts from the container's start, or with `afterLine` from the first log line
 * it matches (a trainer that has not printed yet has nothing to show in its log tail).
 */
export type PodFault =
  /** After `afterMs` of running, the process is killed and the pod fails with 137 OOMKilled. */
  | { kind: 'oom'; afterMs: number; afterLine?: RegExp }
  /** After `afterMs`, the kubelet evicts the pod (node pressure): Failed, reason Evicted. */
  | { kind: 'evict'; afterMs: number; afterLine?: RegExp };

export interface NodeAgentOptions {
  name: string;
  gpus: number;
  /** TLS for the log endpoint: a cert the API server trusts (TestCluster.kubeletTls). */
  tls: { cert: string; key: string };
  /** image → entrypoint (argv prefix); the container's `command` replaces it, `args` follow. */
  images: Record<string, string[]>;
  /**
   * Where the images' files are on this machine: an argument of the container's command under
   * one of these in-image folders points into the local folder instead (the images share them).
   */
  files?: Record<string, string>;
  /** Working directory of the processes; default a temp dir per pod. */
  cwd?: string;
}

interface RunningPod {
  uid: string;
  child?: ChildProcess;
  startedAt?: Date;
  killedFor?: 'oom' | 'evict' | 'delete';
  done?: Promise<void>;
  scratch?: string;
}

const GPU = 'nvidia.com/gpu';

export class NodeAgent {
  private readonly core: CoreV1Api;
  private readonly pods = new Map<string, RunningPod>();
  private readonly logs = new Map<string, string[]>();
  private readonly faults: Array<{ match: (pod: V1Pod) => boolean; fault: PodFault }> = [];
  private server?: Server;
  private watchAbort?: AbortController;
  private stopped = false;
  /** After loseNode(): a dead node reports nothing more. */
  private lost = false;
  /** Names of the pods whose container this agent started, in order. */
  readonly launched: string[] = [];

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: NodeAgentOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** The next pod `match` accepts gets `fault`. */
  inject(match: (pod: V1Pod) => boolean, fault: PodFault): void {
    this.faults.push({ match, fault });
  }

  async start(): Promise<void> {
    const port = await this.serveLogs();
    const name = this.opts.name;
    await this.core.createNode({
      body: { metadata: { name, labels: { 'kubernetes.io/hostname': name } } },
    });
    const now = new Date();
    const resources = { cpu: '16', memory: '64Gi', pods: '110', [GPU]: String(this.opts.gpus) };
    await retryConflict(async () => {
      const node = await this.core.readNodeStatus({ name });
      node.status = {
        capacity: resources,
        allocatable: resources,
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: port } },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'test node agent',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      };
      await this.core.replaceNodeStatus({ name, body: node });
    });
    // The not-ready taint the API server puts on a new Node; no node lifecycle controller
    // runs here to lift it once the node reports Ready.
    await retryConflict(async () => {
      const node = await this.core.readNode({ name });
      node.spec = { ...node.spec, taints: [] };
      await this.core.replaceNode({ name, body: node });
    });
    await this.watchPods();
  }

  /** Stops watching and kills every process; the Node and pods stay as they are. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watchAbort?.abort();
    for (const p of this.pods.values()) killContainer(p.child, 'SIGKILL');
    await Promise.all([...this.pods.values()].map((p) => p.done ?? Promise.resolve()));
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    for (const p of this.pods.values()) if (p.scratch) rmSync(p.scratch, { recursive: true, force: true });
  }

  /**
   * The node dies: its processes vanish without a status update, the node goes NotReady, and
   * the control plane does what its node lifecycle controller and pod GC would: mark each pod
   * with a DisruptionTarget condition and delete it.
   */
  async loseNode(): Promise<void> {
    this.stopped = true;
    this.lost = true;
    this.watchAbort?.abort();
    for (const p of this.pods.values()) killContainer(p.child, 'SIGKILL');
    const name = this.opts.name;
    await this.markNodeUnknown();
    await retryConflict(async () => {
      const node = await this.core.readNode({ name });
      const unreachable = 'node.kubernetes.io/unreachable';
      node.spec = {
        ...node.spec,
        taints: [
          { key: unreachable, effect: 'NoSchedule' },
          { key: unreachable, effect: 'NoExecute', timeAdded: new Date() },
        ],
      };
      await this.core.replaceNode({ name, body: node });
    });
    const pods = await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
    for (const pod of pods.items) {
      const { name: podName, namespace } = pod.metadata!;
      await this.updateStatus(podName!, namespace!, (s) => {
        s.conditions = [
          ...(s.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'DeletionByTaintManager',
            message: 'Taint manager: deleting due to NoExecute taint',
            lastTransitionTime: new Date(),
          },
        ];
      }).catch(() => undefined);
      await this.core
        .deleteNamespacedPod({ name: podName!, namespace: namespace!, gracePeriodSeconds: 0 })
        .catch(() => undefined);
    }
  }

  /**
   * The node drops off the network: its containers run on and finish, but it reports nothing
   * more. The control plane does what its node lifecycle controller does when every node of
   * the zone is down ("master disruption mode"): the node's Ready goes Unknown and its pods'
   * Ready False (MarkPodsNotReady), it gets the NoSchedule taint, and nothing is evicted or
   * deleted — the API keeps the pods Running.
   */
  async partition(): Promise<void> {
    this.stopped = true;
    this.lost = true;
    this.watchAbort?.abort();
    await this.markNodeUnknown();
    // The NoSchedule taint comes in any mode; only the NoExecute one (eviction) waits.
    await retryConflict(async () => {
      const node = await this.core.readNode({ name: this.opts.name });
      node.spec = { ...node.spec, taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] };
      await this.core.replaceNode({ name: this.opts.name, body: node });
    });
    const pods = await this.core.listPodForAllNamespaces({
      fieldSelector: `spec.nodeName=${this.opts.name}`,
    });
    for (const pod of pods.items) {
      const { name: podName, namespace } = pod.metadata!;
      await this.updateStatus(podName!, namespace!, (s) => {
        s.conditions = [
          ...(s.conditions ?? []).filter((c) => c.type !== 'Ready'),
          { type: 'Ready', status: 'False', lastTransitionTime: new Date() },
        ];
      }).catch(() => undefined);
    }
  }

  /** What the node lifecycle controller writes for a node whose kubelet stopped posting. */
  private async markNodeUnknown(): Promise<void> {
    const name = this.opts.name;
    await retryConflict(async () => {
      const node = await this.core.readNodeStatus({ name });
      const now = new Date();
      node.status!.conditions = [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ];
      await this.core.replaceNodeStatus({ name, body: node });
    });
  }

  private async watchPods(): Promise<void> {
    const fieldSelector = `spec.nodeName=${this.opts.name}`;
    const list = await this.core.listPodForAllNamespaces({ fieldSelector });
    for (const pod of list.items) this.reconcile(pod);
    const watch = new Watch(this.kc);
    const again = () => {
      if (!this.stopped) setTimeout(() => void this.watchPods().catch(() => again()), 200);
    };
    this.watchAbort = await watch.watch(
      '/api/v1/pods',
      { fieldSelector, resourceVersion: list.metadata?.resourceVersion },
      (type: string, pod: V1Pod) => {
        if (type === 'ADDED' || type === 'MODIFIED') this.reconcile(pod);
        if (type === 'ERROR') this.watchAbort?.abort();
      },
      () => again(),
    );
  }

  private reconcile(pod: V1Pod): void {
    if (this.stopped) return;
    const { name, namespace, uid, deletionTimestamp } = pod.metadata!;
    const key = `${namespace}/${name}`;
    let running = this.pods.get(key);
    if (running && running.uid !== uid) running = undefined; // a new pod of the same name
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (deletionTimestamp) {
      if (running?.child && running.child.exitCode === null && running.child.signalCode === null) {
        this.terminate(running, pod, 'delete');
      } else if (!running?.child || terminal) {
        void this.core
          .deleteNamespacedPod({ name: name!, namespace: namespace!, gracePeriodSeconds: 0 })
          .catch(() => undefined);
      }
      return;
    }
    if (running || terminal) return;
    running = { uid: uid! };
    this.pods.set(key, running);
    running.done = this.runPod(pod, running).catch(() => undefined);
  }

  private async runPod(pod: V1Pod, running: RunningPod): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    const container = pod.spec!.containers[0];
    const entry = this.opts.images[container.image ?? ''];
    if (!entry) {
      await this.imagePullFailure(pod, container.image ?? '');
      return;
    }
    running.scratch = mkdtempSync(join(tmpdir(), 'netgrow-pod-'));
    // No mount namespaces here: an emptyDir is a folder of the pod's temp dir, and env values
    // under its mount path point into that folder instead.
    const mounts = (container.volumeMounts ?? []).filter((m) =>
      pod.spec?.volumes?.some((v) => v.name === m.name && v.emptyDir),
    );
    let env: Record<string, string>;
    try {
      env = await this.containerEnv(pod);
    } catch (e) {
      // A kubelet keeps such a container waiting until the Secret or ConfigMap appears.
      await this.waiting(pod, 'CreateContainerConfigError', (e as Error).message);
      return;
    }
    for (const [k, v] of Object.entries(env)) {
      const m = mounts.find((m) => v === m.mountPath || v.startsWith(m.mountPath + '/'));
      if (m) env[k] = join(running.scratch, m.name, v.slice(m.mountPath.length));
    }
    for (const m of mounts) mkdirSync(join(running.scratch, m.name), { recursive: true });
    const command = (container.command ?? entry).map((a) => this.localPath(a));
    const argv = [...command, ...(container.args ?? [])];
    const log: string[] = [];
    this.logs.set(`${namespace}/${name}`, log);
    const fault = this.takeFault(pod);
    let armed = false;
    const arm = () => {
      if (armed || !fault) return;
      armed = true;
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) this.terminate(running, pod, fault.kind);
      }, fault.afterMs);
    };
    const child = spawn(argv[0], argv.slice(1), {
      cwd: this.opts.cwd ?? running.scratch,
      // `node` on the images' PATH is the one running the tests.
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: running.scratch, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, signalled as a whole: a container's processes end together.
      detached: true,
    });
    running.child = child;
    if (child.pid === undefined) {
      // What containerd reports for a command that is not there: the container never started.
      child.once('error', () => undefined);
      await this.startError(pod, argv[0]);
      return;
    }
    this.launched.push(name);
    const capture = (chunk: Buffer) => {
      const lines = chunk
        .toString()
        .split('\n')
        .filter((l) => l !== '');
      log.push(...lines);
      if (fault?.afterLine && lines.some((l) => fault.afterLine!.test(l))) arm();
    };
    child.stdout.on('data', capture);
    child.stderr.on('data', capture);
    const exited = new Promise<{ code: number }>((res) => {
      child.once('error', (e) => {
        log.push(String(e));
        res({ code: 128 });
      });
      child.once('exit', (code, signal) => res({ code: code ?? 128 + signalNumber(signal) }));
    });
    const startedAt = new Date();
    running.startedAt = startedAt;
    await this.updateStatus(name, namespace, (s) => {
      s.phase = 'Running';
      s.startTime = startedAt;
      s.hostIP = '127.0.0.1';
      s.podIP = '127.0.0.1';
      s.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: startedAt }];
      s.containerStatuses = [containerStatus(container.name, container.image!, { running: { startedAt } })];
    }).catch(() => undefined);
    if (fault && !fault.afterLine) arm();
    const { code } = await exited;
    if (this.lost) return;
    const finishedAt = new Date();
    const why = running.killedFor;
    await this.updateStatus(name, namespace, (s) => {
      s.phase = code === 0 && !why ? 'Succeeded' : 'Failed';
      s.conditions = [
        { type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: finishedAt },
      ];
      const exitCode = why === 'oom' ? 137 : code;
      const reason = why === 'oom' ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
      s.containerStatuses = [
        containerStatus(container.name, container.image!, {
          terminated: { exitCode, reason, startedAt, finishedAt },
        }),
      ];
      if (why === 'evict') {
        s.reason = 'Evicted';
        s.message = 'The node was low on resource: memory.';
        s.conditions.push({
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'TerminationByKubelet',
          message: 'The node was low on resource: memory.',
          lastTransitionTime: finishedAt,
        });
      }
    }).catch(() => undefined);
    if (why === 'delete') {
      await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  }

  /** SIGTERM, then SIGKILL after the pod's grace period (deletion) or at once (OOM, eviction). */
  private terminate(running: RunningPod, pod: V1Pod, why: 'oom' | 'evict' | 'delete'): void {
    if (running.killedFor) return;
    running.killedFor = why;
    const child = running.child!;
    if (why === 'oom') {
      killContainer(child, 'SIGKILL');
      return;
    }
    killContainer(child, 'SIGTERM');
    const grace = why === 'delete' ? (pod.metadata?.deletionGracePeriodSeconds ?? 30) : 1;
    const timer = setTimeout(() => killContainer(child, 'SIGKILL'), grace * 1000);
    child.once('exit', () => clearTimeout(timer));
  }

  private takeFault(pod: V1Pod): PodFault | undefined {
    const i = this.faults.findIndex((f) => f.match(pod));
    return i < 0 ? undefined : this.faults.splice(i, 1)[0].fault;
  }

  /** What a kubelet reports for an image it cannot pull: ErrImagePull, then ImagePullBackOff. */
  private async imagePullFailure(pod: V1Pod, image: string): Promise<void> {
    const message = `Back-off pulling image "${image}": ErrImagePull: pull access denied, repository does not exist`;
    for (const reason of ['ErrImagePull', 'ImagePullBackOff']) {
      await this.waiting(pod, reason, message);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * A container whose command cannot be executed, as a kubelet on containerd reports it:
   * Failed, exit 128, StartError with the runtime's message, and `startedAt` 1970-01-01.
   */
  private async startError(pod: V1Pod, executable: string): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    const c = pod.spec!.containers[0];
    const message =
      'failed to create containerd task: failed to create shim task: OCI runtime create failed: ' +
      `runc create failed: unable to start container process: exec: "${executable}": ` +
      'executable file not found in $PATH: unknown';
    await this.updateStatus(name, namespace, (s) => {
      s.phase = 'Failed';
      s.hostIP = '127.0.0.1';
      s.startTime = s.startTime ?? new Date();
      s.containerStatuses = [
        containerStatus(c.name, c.image ?? '', {
          terminated: {
            exitCode: 128,
            reason: 'StartError',
            message,
            startedAt: new Date(0),
            finishedAt: new Date(),
          },
        }),
      ];
    }).catch(() => undefined);
  }

  /** An in-image path as a path here (`files`); anything else as it is. */
  private localPath(arg: string): string {
    for (const [inImage, here] of Object.entries(this.opts.files ?? {})) {
      if (arg === inImage || arg.startsWith(inImage + '/')) return here + arg.slice(inImage.length);
    }
    return arg;
  }

  /** A container that has not started: Pending, with a waiting reason. */
  private async waiting(pod: V1Pod, reason: string, message: string): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    const c = pod.spec!.containers[0];
    await this.updateStatus(name, namespace, (s) => {
      s.phase = 'Pending';
      s.hostIP = '127.0.0.1';
      s.startTime = s.startTime ?? new Date();
      s.containerStatuses = [containerStatus(c.name, c.image ?? '', { waiting: { reason, message } })];
    }).catch(() => undefined);
  }

  private async containerEnv(pod: V1Pod): Promise<Record<string, string>> {
    const ns = pod.metadata!.namespace!;
    const c = pod.spec!.containers[0];
    const env: Record<string, string> = {};
    const missing = (what: string, optional?: boolean) => (e: unknown) => {
      if ((e as { code?: number }).code === 404 && optional) return {};
      throw new Error(`${what} not found`);
    };
    const secret = async (name: string, optional?: boolean): Promise<Record<string, string>> => {
      const s = await this.core
        .readNamespacedSecret({ name, namespace: ns })
        .catch(missing(`secret "${name}"`, optional));
      const data = (s as { data?: Record<string, string> }).data ?? {};
      return Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
      );
    };
    const configMap = async (name: string, optional?: boolean): Promise<Record<string, string>> => {
      const m = await this.core
        .readNamespacedConfigMap({ name, namespace: ns })
        .catch(missing(`configmap "${name}"`, optional));
      return (m as { data?: Record<string, string> }).data ?? {};
    };
    for (const from of c.envFrom ?? []) {
      if (from.secretRef) Object.assign(env, await secret(from.secretRef.name!, from.secretRef.optional));
      if (from.configMapRef)
        Object.assign(env, await configMap(from.configMapRef.name!, from.configMapRef.optional));
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      const s = e.valueFrom?.secretKeyRef;
      if (s) env[e.name] = (await secret(s.name!, s.optional))[s.key];
      const m = e.valueFrom?.configMapKeyRef;
      if (m) env[e.name] = (await configMap(m.name!, m.optional))[m.key];
    }
    return env;
  }

  private async updateStatus(
    name: string,
    namespace: string,
    change: (s: NonNullable<V1Pod['status']>) => void,
  ) {
    await retryConflict(async () => {
      const pod = await this.core.readNamespacedPodStatus({ name, namespace });
      pod.status = pod.status ?? {};
      change(pod.status);
      await this.core.replaceNamespacedPodStatus({ name, namespace, body: pod });
    });
  }

  /** GET /containerLogs/<ns>/<pod>/<container>?tailLines=N, as the API server asks a kubelet. */
  private serveLogs(): Promise<number> {
    this.server = createServer(this.opts.tls, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://node');
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/[^/]+$/.exec(url.pathname);
      const lines = m ? this.logs.get(`${m[1]}/${m[2]}`) : undefined;
      if (!lines) {
        res.writeHead(404).end('no such container');
        return;
      }
      const tail = Number(url.searchParams.get('tailLines') ?? 0);
      const out = tail > 0 ? lines.slice(-tail) : lines;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(out.map((l) => l + '\n').join(''));
    });
    return new Promise((res) =>
      this.server!.listen(0, '127.0.0.1', () => res((this.server!.address() as { port: number }).port)),
    );
  }
}

function containerStatus(name: string, image: string, state: V1ContainerStatus['state']): V1ContainerStatus {
  return {
    name,
    image,
    imageID: '',
    ready: state?.running !== undefined,
    started: state?.running !== undefined,
    restartCount: 0,
    state,
  };
}

/** Signals every process of the container (its process group), as stopping a container does. */
function killContainer(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 1;
}

async function retryConflict(fn: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || i >= 10) throw e;
    }
  }
}

const ROOT = join(__dirname, '..', '..');

/** The image name the k8s tests give the trainer: the agent runs it as `node bin/netgrow.js`. */
export const TRAINER_IMAGE = 'netgrow-trainer:test';

/** An image with the same netgrow files whose ENTRYPOINT is not netgrow. */
export const OTHER_ENTRYPOINT_IMAGE = 'netgrow-other-entrypoint:test';

/** A started node with one GPU whose trainer image is this checkout's netgrow. */
export async function startTrainerNode(
  cluster: { admin: KubeConfig; kubeletTls: { cert: string; key: string } },
  name = 'gpu-a',
): Promise<NodeAgent> {
  const agent = new NodeAgent(cluster.admin, {
    name,
    gpus: 1,
    tls: cluster.kubeletTls,
    images: {
      [TRAINER_IMAGE]: [process.execPath, join(ROOT, 'bin', 'netgrow.js')],
      // netgrow's files under another ENTRYPOINT (a base image's shell, a site's wrapper).
      [OTHER_ENTRYPOINT_IMAGE]: ['/bin/sh', '-c', 'echo "$0 $*: not this image\'s entrypoint" >&2; exit 1'],
    },
    // The trainer image's netgrow (k8s/trainer.Dockerfile's /opt/netgrow) is this checkout.
    files: { '/opt/netgrow': ROOT },
  });
  await agent.start();
  return agent;
}
