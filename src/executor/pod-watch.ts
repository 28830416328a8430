/**
 * Follows one pod through the API server's watch: every state change, in order, as an async
 * iterator, plus a tick every `tickMs` so the caller can check its clocks (unschedulable,
 * image pull) and read progress between events. A watch that ends (server timeout, dropped
 * connection) resumes from the last resourceVersion seen; one whose version expired
 * (`410 Gone`) relists — reads the pod again — and resumes from there.
 */
import { CoreV1Api, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';

export type PodEvent =
  | { type: 'pod'; pod: V1Pod }
  /** The pod no longer exists (deleted by someone, or lost with its node). */
  | { type: 'gone'; last: V1Pod | null }
  | { type: 'tick' };

export interface WatchPodOptions {
  namespace: string;
  name: string;
  /** Resume from here (the version of the pod as created or read); none = read it first. */
  resourceVersion?: string;
  tickMs: number;
  signal: AbortSignal;
  /** Consecutive failed watch requests tolerated before giving up (1 s apart). */
  maxFailures?: number;
  /** Called when the watch had to read the pod again (its resourceVersion expired). */
  onRelist?: () => void;
}

export class WatchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WatchError';
  }
}

export async function* watchPod(kc: KubeConfig, o: WatchPodOptions): AsyncGenerator<PodEvent> {
  const core = kc.makeApiClient(CoreV1Api);
  const queue: PodEvent[] = [];
  let wake: (() => void) | null = null;
  const push = (e: PodEvent) => {
    queue.push(e);
    wake?.();
  };
  let rv = o.resourceVersion;
  let last: V1Pod | null = null;
  let failures = 0;
  let fatal: Error | null = null;
  // Assigned in callbacks, so declared as a holder that TypeScript does not narrow to null.
  const current: { stream: AbortController | null } = { stream: null };
  let ended = false;

  // A list, not a get: the list's resourceVersion is the store's current one, while the pod's
  // own may already be compacted away (a watch from it would expire at once).
  const relist = async (): Promise<boolean> => {
    const list = await core.listNamespacedPod({
      namespace: o.namespace,
      fieldSelector: `metadata.name=${o.name}`,
    });
    const pod = list.items[0];
    if (!pod) {
      push({ type: 'gone', last });
      ended = true;
      return false;
    }
    rv = list.metadata?.resourceVersion;
    last = pod;
    push({ type: 'pod', pod });
    return true;
  };

  const start = async (): Promise<void> => {
    if (o.signal.aborted || ended) return;
    if (rv === undefined && !(await relist())) return;
    let expired = false;
    current.stream = await new Watch(kc).watch(
      `/api/v1/namespaces/${o.namespace}/pods`,
      { fieldSelector: `metadata.name=${o.name}`, resourceVersion: rv, allowWatchBookmarks: true },
      (type: string, obj: V1Pod & { code?: number; message?: string }) => {
        failures = 0;
        if (type === 'ERROR') {
          expired = obj.code === 410;
          if (!expired) fatal = new WatchError(`watch of pod ${o.name}: ${obj.message ?? 'error'}`, obj.code);
          return;
        }
        rv = obj.metadata?.resourceVersion ?? rv;
        if (type === 'BOOKMARK') return;
        if (type === 'DELETED') {
          ended = true;
          push({ type: 'gone', last: obj });
          return;
        }
        last = obj;
        push({ type: 'pod', pod: obj });
      },
      (err: (Error & { statusCode?: number }) | null) => {
        current.stream = null;
        if (o.signal.aborted || ended || fatal) return wake?.();
        if (err?.statusCode === 403 || err?.statusCode === 401) {
          fatal = new WatchError(`watch of pod ${o.name}: ${err.message}`, err.statusCode);
          return wake?.();
        }
        if (expired || err?.statusCode === 410) {
          rv = undefined; // relist
          o.onRelist?.();
        } else if (err) failures++;
        if (failures > (o.maxFailures ?? 30)) {
          fatal = new WatchError(`lost the watch of pod ${o.name}: ${err?.message}`);
          return wake?.();
        }
        setTimeout(() => void start().catch(fail), err ? 1000 : 0);
      },
    );
  };
  const fail = (e: unknown) => {
    fatal = e instanceof Error ? e : new Error(String(e));
    wake?.();
  };
  const onAbort = () => {
    current.stream?.abort();
    wake?.();
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  const ticker = setInterval(() => push({ type: 'tick' }), o.tickMs);
  try {
    await start();
    while (!o.signal.aborted) {
      if (queue.length === 0) {
        if (fatal) throw fatal;
        await new Promise<void>((r) => (wake = r));
        wake = null;
        continue;
      }
      const e = queue.shift()!;
      yield e;
      if (e.type === 'gone') return;
    }
  } finally {
    clearInterval(ticker);
    o.signal.removeEventListener('abort', onAbort);
    ended = true;
    current.stream?.abort();
  }
}
