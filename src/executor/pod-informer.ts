/**
 * One list + watch of a namespace's netgrow pods for all the runs a worker follows there, as
 * Kubernetes' shared informers do it: a search of a thousand pods opens one watch connection,
 * not a thousand. Each run subscribes to its pod by name and gets that pod's changes, in order,
 * as an async iterator, plus a tick every `tickMs` so it can check its clocks and read progress.
 *
 * The watch runs while anyone subscribes. One that ends (server timeout, dropped connection)
 * resumes from the last resourceVersion seen; one whose version expired (`410 Gone`) lists the
 * pods again. After a list, a subscribed pod that is not in it is read by name: gone only when
 * the API server says 404 (a list can predate a pod created while it ran).
 */
import { ApiException, CoreV1Api, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';

export type PodEvent =
  | { type: 'pod'; pod: V1Pod }
  /** The pod no longer exists (deleted by someone, or lost with its node). */
  | { type: 'gone'; last: V1Pod | null }
  | { type: 'tick' };

export class WatchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WatchError';
  }
}

export interface PodInformerOptions {
  namespace: string;
  /** Which pods: netgrow's trainer pods (`app.kubernetes.io/name=netgrow-trainer`). */
  labelSelector: string;
  /** Where the first watch starts (a version of the namespace the caller has read); none: list first. */
  resourceVersion?: string;
  /** Consecutive failed watch requests tolerated before every subscriber fails (1 s apart). */
  maxFailures?: number;
  /** Called when the pods had to be listed again (the watch's resourceVersion expired). */
  onRelist?: () => void;
}

interface Subscriber {
  name: string;
  uid: string | undefined;
  /** resourceVersion of the last state delivered: the same state is not delivered twice. */
  delivered: string | undefined;
  push(e: PodEvent): void;
  fail(e: Error): void;
}

/** How long a deleted pod is remembered, for a run that subscribes just after its deletion. */
const TOMBSTONE_MS = 10 * 60_000;

export class PodInformer {
  private readonly core: CoreV1Api;
  private readonly pods = new Map<string, V1Pod>();
  private readonly deleted = new Map<string, { pod: V1Pod; at: number }>();
  private readonly subscribers = new Set<Subscriber>();
  private rv: string | undefined;
  private stream: AbortController | null = null;
  /** Bumped each time the watch stops for want of subscribers: callbacks of an older one are ignored. */
  private generation = 0;
  private failures = 0;
  /** A list or watch is under way (or waiting to be retried) for the current generation. */
  private running = false;
  /** Watch requests made and list requests made (for tests and logs). */
  watchRequests = 0;
  listRequests = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly o: PodInformerOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.rv = o.resourceVersion;
  }

  /**
   * The changes of pod `initial` (as created or adopted) until it is gone or `signal` aborts.
   * Throws WatchError when the watch cannot be kept (denied, or too many failures in a row).
   */
  async *events(initial: V1Pod, o: { tickMs: number; signal: AbortSignal }): AsyncGenerator<PodEvent> {
    const queue: PodEvent[] = [];
    let wake: (() => void) | null = null;
    let fatal: Error | null = null;
    const sub: Subscriber = {
      name: initial.metadata!.name!,
      uid: initial.metadata?.uid,
      delivered: initial.metadata?.resourceVersion,
      push: (e) => {
        queue.push(e);
        wake?.();
      },
      fail: (e) => {
        fatal = e;
        wake?.();
      },
    };
    const onAbort = () => wake?.();
    o.signal.addEventListener('abort', onAbort, { once: true });
    const ticker = setInterval(() => sub.push({ type: 'tick' }), o.tickMs);
    this.subscribe(sub);
    try {
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
      this.unsubscribe(sub);
    }
  }

  private subscribe(sub: Subscriber): void {
    this.subscribers.add(sub);
    const known = this.pods.get(sub.name);
    const tomb = this.deleted.get(sub.name);
    if (known && known.metadata?.uid === sub.uid) this.deliver(sub, known);
    else if (tomb && tomb.pod.metadata?.uid === sub.uid) sub.push({ type: 'gone', last: tomb.pod });
    if (!this.running) {
      this.running = true;
      void this.start(this.generation);
    }
  }

  private unsubscribe(sub: Subscriber): void {
    this.subscribers.delete(sub);
    // Nobody follows a pod here: no watch held open. The next subscriber lists afresh.
    if (this.subscribers.size === 0) this.reset();
  }

  private reset(): void {
    this.running = false;
    this.generation++;
    this.stream?.abort();
    this.stream = null;
    this.rv = undefined;
    this.pods.clear();
    this.deleted.clear();
    this.failures = 0;
  }

  private deliver(sub: Subscriber, pod: V1Pod): void {
    const rv = pod.metadata?.resourceVersion;
    if (rv !== undefined && rv === sub.delivered) return;
    sub.delivered = rv;
    sub.push({ type: 'pod', pod });
  }

  private forName(name: string): Subscriber[] {
    return [...this.subscribers].filter((s) => s.name === name);
  }

  /** Every subscriber fails with `e`; the informer starts afresh for the next one. */
  private failAll(e: Error): void {
    const failed = [...this.subscribers];
    this.subscribers.clear();
    this.reset();
    for (const s of failed) s.fail(e);
  }

  private async start(gen: number): Promise<void> {
    if (gen !== this.generation || this.subscribers.size === 0) return;
    try {
      if (this.rv === undefined) await this.list(gen);
      if (gen !== this.generation) return;
      await this.watch(gen);
    } catch (e) {
      if (gen !== this.generation) return;
      const status = e instanceof ApiException ? e.code : undefined;
      if (status === 403 || status === 401) {
        return this.failAll(new WatchError(`list pods: ${(e as Error).message}`, status));
      }
      this.retry(gen, e as Error);
    }
  }

  private retry(gen: number, err: Error | null): void {
    if (err) this.failures++;
    if (this.failures > (this.o.maxFailures ?? 30)) {
      this.failures = 0;
      return this.failAll(new WatchError(`lost the watch of pods in ${this.o.namespace}: ${err?.message}`));
    }
    setTimeout(() => void this.start(gen), err ? 1000 : 0);
  }

  private async list(gen: number): Promise<void> {
    this.listRequests++;
    const list = await this.core.listNamespacedPod({
      namespace: this.o.namespace,
      labelSelector: this.o.labelSelector,
    });
    if (gen !== this.generation) return;
    this.rv = list.metadata?.resourceVersion;
    this.pods.clear();
    for (const p of list.items) this.pods.set(p.metadata!.name!, p);
    for (const sub of [...this.subscribers]) {
      const p = this.pods.get(sub.name);
      if (p && p.metadata?.uid === sub.uid) this.deliver(sub, p);
      else void this.confirmGone(sub, gen);
    }
  }

  /** A subscribed pod missing from a list: gone only if reading it by name says 404. */
  private async confirmGone(sub: Subscriber, gen: number): Promise<void> {
    try {
      const p = await this.core.readNamespacedPod({ name: sub.name, namespace: this.o.namespace });
      if (gen === this.generation && p.metadata?.uid === sub.uid) this.deliver(sub, p);
      else if (gen === this.generation)
        sub.push({ type: 'gone', last: this.deleted.get(sub.name)?.pod ?? null });
    } catch (e) {
      if (gen !== this.generation) return;
      if (e instanceof ApiException && e.code === 404) sub.push({ type: 'gone', last: null });
    }
  }

  private async watch(gen: number): Promise<void> {
    let expired = false;
    this.watchRequests++;
    const stream = await new Watch(this.kc).watch(
      `/api/v1/namespaces/${this.o.namespace}/pods`,
      { labelSelector: this.o.labelSelector, resourceVersion: this.rv, allowWatchBookmarks: true },
      (type: string, obj: V1Pod & { code?: number; message?: string }) => {
        if (gen !== this.generation) return;
        this.failures = 0;
        if (type === 'ERROR') {
          expired = obj.code === 410;
          if (!expired) this.failAll(new WatchError(`watch of pods: ${obj.message ?? 'error'}`, obj.code));
          return;
        }
        this.rv = obj.metadata?.resourceVersion ?? this.rv;
        if (type === 'BOOKMARK') return;
        const name = obj.metadata!.name!;
        if (type === 'DELETED') {
          this.pods.delete(name);
          this.remember(obj);
          for (const sub of this.forName(name)) {
            if (sub.uid === obj.metadata?.uid) sub.push({ type: 'gone', last: obj });
          }
          return;
        }
        this.pods.set(name, obj);
        for (const sub of this.forName(name)) if (sub.uid === obj.metadata?.uid) this.deliver(sub, obj);
      },
      (err: (Error & { statusCode?: number }) | null) => {
        if (gen !== this.generation) return;
        this.stream = null;
        if (err?.statusCode === 403 || err?.statusCode === 401) {
          return this.failAll(new WatchError(`watch of pods: ${err.message}`, err.statusCode));
        }
        if (expired || err?.statusCode === 410) {
          this.rv = undefined; // list again
          this.o.onRelist?.();
        }
        this.retry(gen, expired ? null : err);
      },
    );
    if (gen !== this.generation) stream.abort();
    else this.stream = stream;
  }

  private remember(pod: V1Pod): void {
    const now = Date.now();
    this.deleted.set(pod.metadata!.name!, { pod, at: now });
    for (const [name, t] of this.deleted) if (now - t.at > TOMBSTONE_MS) this.deleted.delete(name);
  }
}
