/**
 * Runs each training attempt as a bare Kubernetes pod (`restartPolicy: Never`; Temporal owns
 * retries) whose container is `netgrow train --spec <storage URI>`. The worker needs no GPU:
 * it writes the spec to the run's folder, creates the pod, follows it through a watch, reports
 * the trainer's progress lines from the pod's log, and turns the pod's end into a TrainResult
 * (read from storage, as the process executor does) or an ExecutorError that says whether a
 * retry can help, with the tail of the container log.
 *
 * Pods are named and labelled from experiment, candidate and run, with a pod attempt number:
 * a retried activity or a restarted worker adopts the live pod of its run instead of starting
 * a second trainer on the same run folder. Cancelling deletes the pod; a worker shutting down
 * (or an activity timing out) leaves it running for the next attempt to adopt. Each pod leaves
 * a record in the run folder: `pods/<name>.json` (node, end, GPU-seconds from the container's
 * start and finish times) and `pods/<name>.log` (how it ended and the log tail); a run's result
 * carries the device-seconds of all its pods (`deviceSeconds`, for the search's budget).
 */
import { setMaxListeners } from 'node:events';
import { ApiException, CoreV1Api, KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { openStore } from '../storage';
import type { ArtifactStore } from '../storage/store';
import { storageSettings } from '../storage/settings';
import { isReady, RESULT_GRACE_MS, storedResult, storedVerdict } from './stored-result';
import { TrainResult, TrainSpec } from '../contracts/train';
import {
  ExecutorError,
  formatProgressLine,
  maskSecrets,
  parseProgressLine,
  RunOptions,
  Slots,
  TrainExecutor,
} from './executor';
import { apiMessage, checkAccess } from './pod-access';
import { describeShortfalls, nodeOffer, shortfalls } from './node-fit';
import { classifyPod, type PodVerdict } from './pod-classify';
import { createWithinQuota } from './pod-admission';
import { WaitClock } from './wait-clock';
import { searchOwner } from './search-owner';
import { reapPods, type Reaped } from './pod-reaper';
import {
  CONTAINER,
  LABEL,
  podName,
  TRAINER_APP,
  runIdentity,
  SPEC_KEY,
  trainerPod,
  type RunIdentity,
} from './pod-spec';
import type { PodTemplate } from '../contracts/pod-template';
import type { SearchExecutorSettings } from '../contracts/executor-settings';
import { PodInformer, WatchError } from './pod-informer';
import { readProgress } from '../train/progress-file';
import { readResult } from './process';
import { podUsage, runDeviceSeconds, type PodUsage } from './pod-usage';

export type { PodUsage };

export interface KubernetesExecutorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  image: string;
  /** `nvidia.com/gpu` per pod (0: a CPU pod). */
  gpus: number;
  template: PodTemplate;
  /** Pods at once from this worker. */
  parallelism?: number;
  /** How often the pod's log is read for progress and clocks are checked (ms). */
  pollMs?: number;
  imagePullGraceSeconds?: number;
  /** null: a pod may wait for a node as long as it takes. */
  unschedulableTimeoutSeconds?: number | null;
  /** A running pod not Ready this long (its node lost) fails the attempt; null: wait. Default 300. */
  lostNodeTimeoutSeconds?: number | null;
  /** A pod its namespace's ResourceQuota refuses this long fails the run; null: wait. Default 3600. */
  quotaWaitTimeoutSeconds?: number | null;
  /** The longest pause between two tries to create a pod the quota refused (ms, default 60 s). */
  quotaBackoffMs?: number;
  /** Grace period of the pod deletion when a run is cancelled. */
  deleteGraceSeconds?: number;
  /** Keep finished pods (for debugging) instead of deleting them. */
  keepPods?: boolean;
  /** A kept pod is deleted by reap() this long after it ended; null: never. Default a day. */
  keptPodTtlSeconds?: number | null;
  /**
   * A search's settings (RunOptions.executor) merged over this worker's into the options of
   * that search's pods; throws ExecutorError('bad_input') naming a field the worker forbids.
   * Absent: a run carrying search settings is refused.
   */
  forSearch?: (settings: SearchExecutorSettings) => PodOptions;
  /** Lines worth showing: pod created, adopted, ended. */
  log?: (line: string) => void;
  /** Called with what each pod that started cost (the budget itself takes the result's deviceSeconds). */
  onUsage?: (runId: string, usage: PodUsage) => void;
  now?: () => number;
  /**
   * The worker's environment, whose non-secret storage settings (AWS_REGION,
   * AWS_ENDPOINT_URL_S3, …) every trainer pod gets; default process.env.
   */
  env?: NodeJS.ProcessEnv;
}

/** What one run's pod is built and followed with: the worker's own, or a search's merged over them. */
export type PodOptions = Pick<
  KubernetesExecutorOptions,
  | 'namespace'
  | 'image'
  | 'gpus'
  | 'template'
  | 'imagePullGraceSeconds'
  | 'unschedulableTimeoutSeconds'
  | 'lostNodeTimeoutSeconds'
  | 'quotaWaitTimeoutSeconds'
  | 'deleteGraceSeconds'
  | 'keepPods'
>;

/** Temporal cancels an activity with these reasons when it is not the user's cancel. */
const NOT_A_CANCEL = new Set(['WORKER_SHUTDOWN', 'TIMED_OUT', 'NOT_FOUND']);

export class KubernetesExecutor implements TrainExecutor {
  readonly kind = 'kubernetes' as const;
  readonly parallelism: number;
  private readonly core: CoreV1Api;
  private readonly slots: Slots;
  private readonly closing = new AbortController();
  private checked: Promise<void> | null = null;
  /** Rights checks of search namespaces other than the worker's. */
  private readonly namespaces = new Map<string, Promise<void>>();
  /** What every pod this executor saw end cost, in order. */
  readonly usage: PodUsage[] = [];
  /** One list + watch per namespace for every pod this worker follows there. */
  private readonly informers = new Map<string, PodInformer>();

  constructor(private readonly o: KubernetesExecutorOptions) {
    this.core = o.kubeConfig.makeApiClient(CoreV1Api);
    this.parallelism = Math.max(1, o.parallelism ?? 4);
    this.slots = new Slots(this.parallelism);
    // Each run in flight listens for the worker closing (and for the quota wait's abort).
    setMaxListeners(2 * this.parallelism + 10, this.closing.signal);
  }

  /**
   * Before any training: the API server answers, and this identity may do everything the
   * executor does in its namespace. Throws ExecutorError naming the server or the missing verb.
   */
  check(): Promise<void> {
    this.checked ??= this.checkNow().catch((e) => {
      this.checked = null;
      throw e;
    });
    return this.checked;
  }

  private async checkNow(): Promise<void> {
    await checkAccess(this.o.kubeConfig, this.o.namespace);
    await this.checkNodes();
  }

  /** Warns (once, at the check) when no node offers what a pod requests; see node-fit.ts. */
  private async checkNodes(): Promise<void> {
    let nodes: V1Node[];
    try {
      nodes = (await this.core.listNode()).items;
    } catch (e) {
      // Listing nodes is a cluster-wide right the executor's Role does not need to have.
      const why = e instanceof ApiException ? apiMessage(e) : (e as Error).message;
      this.o.log?.(`note: cannot list the cluster's nodes (${why}); pod requests not checked against them`);
      return;
    }
    const requests = {
      ...this.o.template.resources.requests,
      ...(this.o.gpus > 0 ? { 'nvidia.com/gpu': this.o.gpus } : {}),
    };
    const found = shortfalls(nodes.map(nodeOffer), requests);
    if (found.length > 0) {
      const wait = this.o.unschedulableTimeoutSeconds;
      this.o.log?.(describeShortfalls(found, nodes.length, wait === undefined ? 1800 : wait));
    }
  }

  /** The namespace's shared watch of netgrow's trainer pods, made on first use. */
  informer(namespace: string): PodInformer {
    let informer = this.informers.get(namespace);
    if (!informer) {
      informer = new PodInformer(this.o.kubeConfig, {
        namespace,
        labelSelector: `${LABEL.app}=${TRAINER_APP}`,
        onRelist: () => this.o.log?.(`the watch of pods in ${namespace} expired; listed them again`),
      });
      this.informers.set(namespace, informer);
    }
    return informer;
  }

  /**
   * Clears this worker's namespace of the pods of searches that no longer run (`isRunning`:
   * asked of Temporal by the caller) and of kept pods past their time to live (pod-reaper.ts).
   */
  reap(isRunning: (experimentId: string) => Promise<boolean>): Promise<Reaped> {
    return reapPods(this.o.kubeConfig, {
      namespace: this.o.namespace,
      isRunning,
      keptPodTtlSeconds: this.o.keptPodTtlSeconds === undefined ? 86_400 : this.o.keptPodTtlSeconds,
      now: this.o.now,
    });
  }

  /** Stops following pods without touching them: in-flight runs reject, their pods run on. */
  close(): void {
    this.closing.abort();
  }

  run(spec: TrainSpec, opts: RunOptions = {}): Promise<TrainResult> {
    return this.slots.take(() => this.runNow(spec, opts));
  }

  /**
   * This run's pod options: the worker's, or the search's settings merged over them (a field
   * the worker forbids is refused here, as bad input, before any pod exists).
   */
  private optionsFor(settings: SearchExecutorSettings | undefined): KubernetesExecutorOptions {
    if (!settings) return this.o;
    if (!this.o.forSearch) {
      throw new ExecutorError(
        'bad_input',
        "this worker's Kubernetes executor takes no settings from a search",
      );
    }
    return { ...this.o, ...this.o.forSearch(settings) };
  }

  /** The rights check of a search's own namespace, once per namespace (the worker's at start). */
  private checkNamespace(namespace: string): Promise<void> {
    if (namespace === this.o.namespace) return this.check();
    let checked = this.namespaces.get(namespace);
    if (!checked) {
      checked = checkAccess(this.o.kubeConfig, namespace).catch((e) => {
        this.namespaces.delete(namespace);
        throw e;
      });
      this.namespaces.set(namespace, checked);
    }
    return checked;
  }

  private async runNow(
    spec: TrainSpec,
    { onProgress, onWaiting, signal, executor }: RunOptions,
  ): Promise<TrainResult> {
    if (signal?.aborted)
      throw new ExecutorError('cancelled', `run ${spec.runId} cancelled before it started`);
    const o = this.optionsFor(executor);
    await this.checkNamespace(o.namespace);
    const id = runIdentity(spec);
    const specUri = `${spec.output.replace(/\/+$/, '')}/${SPEC_KEY}`;
    const store = openStore(spec.output);
    // A pod of an earlier attempt may have finished the run after its worker stopped following.
    const done = await storedResult(store, spec);
    if (done) {
      o.log?.(`${spec.runId}: already ${done.status} (result.json in storage); no pod`);
      return { ...done, deviceSeconds: await runDeviceSeconds(store, PODS_DIR) };
    }
    await store.put(SPEC_KEY, JSON.stringify(spec));
    const waits = new WaitClock(o.now ?? Date.now, onWaiting);
    const pod = await this.adoptOrCreate(o, spec, id, specUri, store, { signal, onWaiting: waits.onWaiting });
    const name = pod.metadata!.name!;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.closing.signal.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted || this.closing.signal.aborted) stop.abort();
    try {
      const end = await this.follow(o, spec, pod, store, stop.signal, onProgress, waits.onWaiting);
      const result = await this.finish(o, spec, end, store);
      const waited = waits.waited();
      return waited ? { ...result, waited } : result;
    } catch (e) {
      if (!stop.signal.aborted) throw e;
      if (this.closing.signal.aborted) {
        throw new ExecutorError(
          'infrastructure',
          `run ${spec.runId}: worker closing; pod ${name} left running`,
        );
      }
      const reason = (signal?.reason as Error | undefined)?.message ?? '';
      if (NOT_A_CANCEL.has(reason)) {
        throw new ExecutorError(
          'infrastructure',
          `run ${spec.runId}: ${reason}; pod ${name} left to be adopted`,
        );
      }
      await this.deletePod(o, name, o.deleteGraceSeconds ?? 30);
      throw new ExecutorError('cancelled', `run ${spec.runId} cancelled; pod ${name} deleted`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.closing.signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The run's live pod when there is one (a retried activity, a restarted worker); else a new
   * pod, one attempt number above the run's earlier pods. Two workers racing on the same
   * attempt both end up following the one pod the API server accepted.
   */
  private async adoptOrCreate(
    o: KubernetesExecutorOptions,
    spec: TrainSpec,
    id: RunIdentity,
    specUri: string,
    store: ArtifactStore,
    { signal, onWaiting }: Pick<RunOptions, 'signal' | 'onWaiting'>,
  ): Promise<V1Pod> {
    const ns = o.namespace;
    const earlier = (
      await this.api(o, 'list pods', () =>
        this.core.listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.runKey}=${id.runKey}` }),
      )
    ).items.sort((a, b) => attemptOf(b) - attemptOf(a));
    const live = earlier.find((p) => !p.metadata?.deletionTimestamp && !isTerminal(p));
    if (live) {
      o.log?.(`${spec.runId}: adopting pod ${live.metadata!.name} (${live.status?.phase ?? 'Pending'})`);
      return live;
    }
    // Finished pods are deleted, so the run folder's pod records count the attempts too.
    const recorded = (await store.list(`${PODS_DIR}/`)).map((k) => Number(/-(\d+)\.json$/.exec(k)?.[1] ?? 0));
    const attempt = Math.max(0, ...earlier.map(attemptOf), ...recorded) + 1;
    const name = podName(id, attempt);
    const experiment = id.experiment;
    const owner = experiment
      ? await this.api(o, 'get or create configmaps', () => searchOwner(this.core, ns, experiment))
      : null;
    const body = trainerPod({
      owner,
      name,
      id,
      attempt,
      image: o.image,
      gpus: o.gpus,
      specUri,
      template: o.template,
      settings: storageSettings(o.env ?? process.env),
    });
    try {
      const created = await createWithinQuota(
        () => this.api(o, 'create pods', () => this.core.createNamespacedPod({ namespace: ns, body })),
        {
          runId: spec.runId,
          namespace: ns,
          timeoutSeconds: o.quotaWaitTimeoutSeconds === undefined ? 3600 : o.quotaWaitTimeoutSeconds,
          maxBackoffMs: o.quotaBackoffMs ?? 60_000,
          now: o.now ?? Date.now,
          signal: signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal,
          onWaiting,
          log: o.log,
        },
      ).catch((e) => {
        // Not the user's cancel: a worker closing or an activity timing out is an outage.
        const reason = (signal?.reason as Error | undefined)?.message ?? '';
        if (
          e instanceof ExecutorError &&
          e.code === 'cancelled' &&
          (this.closing.signal.aborted || NOT_A_CANCEL.has(reason))
        ) {
          throw new ExecutorError(
            'infrastructure',
            `run ${spec.runId}: ${reason || 'worker closing'} while waiting for quota`,
          );
        }
        throw e;
      });
      o.log?.(`${spec.runId}: created pod ${name}`);
      await store.put(podRecord(name), JSON.stringify({ pod: name, attempt, image: o.image, gpus: o.gpus }));
      return created;
    } catch (e) {
      const cause = e instanceof ExecutorError ? e.cause : e;
      if (cause instanceof ApiException && cause.code === 409) {
        return this.api(o, 'get pods', () => this.core.readNamespacedPod({ name, namespace: ns }));
      }
      throw e;
    }
  }

  /** Follows the pod until it ends; returns its last state and verdict. */
  private async follow(
    o: KubernetesExecutorOptions,
    spec: TrainSpec,
    created: V1Pod,
    store: ArtifactStore,
    signal: AbortSignal,
    onProgress: RunOptions['onProgress'],
    onWaiting: RunOptions['onWaiting'],
  ): Promise<PodEnd> {
    const name = created.metadata!.name!;
    const now = o.now ?? Date.now;
    const firstSeen = new Map<string, number>();
    const classify = (p: V1Pod) =>
      classifyPod(p, {
        now: now(),
        imagePullGraceSeconds: o.imagePullGraceSeconds ?? 120,
        unschedulableTimeoutSeconds:
          o.unschedulableTimeoutSeconds === undefined ? 1800 : o.unschedulableTimeoutSeconds,
        lostNodeTimeoutSeconds: o.lostNodeTimeoutSeconds === undefined ? 300 : o.lostNodeTimeoutSeconds,
        firstSeen,
      });
    // The run's result in storage while its pod still looks alive: a pod on a node that stopped
    // reporting stays Running in the API although its trainer finished. Taken at once from a
    // pod that is not Ready, else after RESULT_GRACE_MS (a healthy pod reports its own end).
    let resultSeenAt: number | null = null;
    let lastWaiting: string | null = null;
    const finishedInStorage = async (p: V1Pod): Promise<PodVerdict | null> => {
      const done = await storedResult(store, spec).catch(() => null);
      if (!done) return null;
      resultSeenAt ??= now();
      if (isReady(p) && now() - resultSeenAt < RESULT_GRACE_MS) return null;
      return storedVerdict(done);
    };
    let pod = created;
    // Where the trainer was, from its run folder's progress.json: a lost node's pod has no
    // log to read any more, so a failure quotes this when its log is gone.
    let lastProgress = '';
    const events = this.informer(o.namespace).events(created, { tickMs: o.pollMs ?? 10_000, signal });
    try {
      for await (const e of events) {
        if (e.type === 'gone') {
          const last = e.last ?? pod;
          const verdict = classify(last);
          if (verdict.state === 'finished' || verdict.state === 'failed')
            return { pod: last, verdict, seenTail: lastProgress };
          // Deleted with its node after its trainer wrote the result: the run is done.
          const stored = await storedResult(store, spec).catch(() => null);
          if (stored) return { pod: last, verdict: storedVerdict(stored), seenTail: lastProgress };
          const disruption = last.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
          return {
            pod: last,
            verdict: {
              state: 'failed',
              retryable: true,
              reason:
                `pod ${name} was deleted before it finished` +
                (disruption
                  ? ` (${disruption.reason}: ${disruption.message ?? ''})`
                  : ' (node lost or removed by hand?)'),
            },
            seenTail: lastProgress,
          };
        }
        if (e.type === 'pod') pod = e.pod;
        let verdict = classify(pod);
        if (
          verdict.state === 'running' ||
          verdict.state === 'pending' ||
          (verdict.state === 'failed' && verdict.nodeLost)
        ) {
          const stored = await finishedInStorage(pod);
          if (stored) {
            o.log?.(`${spec.runId}: result.json in storage while pod ${name} is ${pod.status?.phase}`);
            verdict = stored;
          }
        }
        // Why a Pending pod waits (Insufficient nvidia.com/gpu, an image pull), for `status`.
        const waiting = verdict.state === 'pending' ? maskSecrets(verdict.why) : null;
        if (waiting !== lastWaiting) {
          lastWaiting = waiting;
          onWaiting?.(waiting);
        }
        // Progress between events from storage, and once more at the end: a short run may
        // finish between two ticks. The pod's log is read once, when it ends (finish()).
        const ended = verdict.state === 'finished';
        if (onProgress && ((verdict.state === 'running' && e.type === 'tick') || ended)) {
          const p = await readProgress(store);
          const line = p ? formatProgressLine(p) : '';
          if (p && line !== lastProgress) {
            lastProgress = line;
            onProgress(p);
          }
        }
        // Killed because someone deleted it (by hand, or the garbage collector after its
        // search's owner object went): said so, retryable, whatever signal ended it.
        if (verdict.state === 'failed' && pod.metadata?.deletionTimestamp && !signal.aborted) {
          verdict = {
            ...verdict,
            retryable: true,
            reason: `was deleted before it finished (${verdict.reason})`,
          };
        }
        if (verdict.state === 'finished' || verdict.state === 'failed')
          return { pod, verdict, seenTail: lastProgress };
      }
    } catch (e) {
      if (e instanceof WatchError && (e.status === 403 || e.status === 401)) {
        throw new ExecutorError(
          'bad_input',
          `Kubernetes denied watch pods in namespace ${o.namespace}: ${e.message}`,
        );
      }
      if (e instanceof WatchError)
        throw new ExecutorError('infrastructure', `run ${spec.runId}: ${e.message}`);
      throw e;
    }
    // The iterator ends without a verdict only when `signal` aborted.
    throw new ExecutorError('cancelled', `run ${spec.runId}: stopped following pod ${name}`);
  }

  /**
   * The pod's end into the run folder (its record and log tail), then the TrainResult with the
   * device-seconds of every pod of the run, or the failure with the log tail.
   */
  private async finish(
    o: KubernetesExecutorOptions,
    spec: TrainSpec,
    { pod, verdict, seenTail }: PodEnd,
    store: ArtifactStore,
  ): Promise<TrainResult> {
    const name = pod.metadata!.name!;
    const usage = this.recordUsage(o, spec.runId, pod);
    // The verdict's reason quotes the container's termination message, the tail its log: both
    // masked of credentials before they reach the run folder, the worker's log or history.
    const end = verdict.state === 'failed' ? { ...verdict, reason: maskSecrets(verdict.reason) } : verdict;
    const record = { pod: name, node: pod.spec?.nodeName ?? null, image: o.image, usage, end };
    await store.put(podRecord(name), JSON.stringify(record)).catch(() => undefined);
    const what = end.state === 'finished' ? `exited with code ${end.exitCode}` : end.reason;
    // A lost node's log is gone: then the trainer's last progress.json, read now (a tick may not
    // have seen the epoch it wrote just before the node went), else the last one a tick saw.
    const tail = maskSecrets(
      (await this.logTail(o, name, 20)) || (await lastProgressLine(store)) || seenTail,
    );
    await store.put(`${PODS_DIR}/${name}.log`, `${what}\n${tail}\n`).catch(() => undefined);
    if (verdict.state === 'finished') {
      const result = await readResult(spec);
      o.log?.(`${spec.runId}: pod ${name} ${result.status}`);
      if (!o.keepPods) await this.deletePod(o, name, 0).catch(() => undefined);
      return { ...result, deviceSeconds: await runDeviceSeconds(store, PODS_DIR) };
    }
    // A lost node's pod goes even when kept: a retry would adopt it and wait for it again.
    if (!o.keepPods || verdict.nodeLost) await this.deletePod(o, name, 0).catch(() => undefined);
    const reason = maskSecrets(verdict.reason);
    const message =
      `run ${spec.runId}: pod ${name} ${reason}` + (tail ? `\n--- container log (tail)\n${tail}` : '');
    o.log?.(
      `${spec.runId}: pod ${name} failed (${verdict.retryable ? 'retryable' : 'permanent'}): ${reason}`,
    );
    throw new ExecutorError(verdict.retryable ? 'infrastructure' : 'bad_input', message, {
      outOfMemory: verdict.outOfMemory,
      deviceSeconds: await runDeviceSeconds(store, PODS_DIR).catch(() => undefined),
    });
  }

  private recordUsage(o: KubernetesExecutorOptions, runId: string, pod: V1Pod): PodUsage | null {
    const usage = podUsage(pod, o.gpus, (o.now ?? Date.now)());
    if (!usage) return null;
    this.usage.push(usage);
    o.onUsage?.(runId, usage);
    return usage;
  }

  /** The last `lines` of the trainer's log; '' when the log cannot be read (pod gone). */
  private async logTail(o: KubernetesExecutorOptions, name: string, lines: number): Promise<string> {
    try {
      const text = await this.core.readNamespacedPodLog({
        name,
        namespace: o.namespace,
        container: CONTAINER,
        tailLines: lines * 3,
      });
      const all = String(text)
        .split('\n')
        .filter((l) => l !== '');
      return withoutProgress(all.join('\n'), lines);
    } catch (e) {
      if (e instanceof ApiException && e.code === 403) {
        throw new ExecutorError(
          'bad_input',
          `Kubernetes denied get pods/log in namespace ${o.namespace}: ${apiMessage(e)}`,
        );
      }
      return '';
    }
  }

  private async deletePod(o: KubernetesExecutorOptions, name: string, graceSeconds: number): Promise<void> {
    try {
      await this.api(o, 'delete pods', () =>
        this.core.deleteNamespacedPod({
          name,
          namespace: o.namespace,
          gracePeriodSeconds: graceSeconds,
        }),
      );
    } catch (e) {
      if (e instanceof ExecutorError && e.cause instanceof ApiException && e.cause.code === 404) return;
      throw e;
    }
  }

  /**
   * One API call, its failures in words: a 403 names the verb the Role lacks (not retryable),
   * a refused spec (422) is the template's fault, anything else is an outage.
   */
  private async api<T>(o: KubernetesExecutorOptions, what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      const server = o.kubeConfig.getCurrentCluster()?.server;
      if (!(e instanceof ApiException)) {
        throw new ExecutorError(
          'infrastructure',
          `Kubernetes API at ${server} (${what}): ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
      const msg = apiMessage(e);
      // Admission, not RBAC: the namespace's PodSecurity level refuses what the template asks.
      if (e.code === 403 && msg.includes('violates PodSecurity')) {
        throw new ExecutorError('bad_input', `the pod template breaks namespace ${o.namespace}'s ${msg}`, {
          cause: e,
        });
      }
      if (e.code === 403 || e.code === 401) {
        throw new ExecutorError(
          'bad_input',
          `Kubernetes denied ${what} in namespace ${o.namespace}: ${msg}`,
          {
            cause: e,
          },
        );
      }
      if (e.code === 422 || e.code === 400) {
        throw new ExecutorError('bad_input', `the pod template is invalid: ${msg}`, { cause: e });
      }
      throw new ExecutorError('infrastructure', `Kubernetes API (${what}): ${msg}`, { cause: e });
    }
  }
}

/** The run folder's progress.json as the one line a log tail would show; '' when unreadable. */
async function lastProgressLine(store: ArtifactStore): Promise<string> {
  const p = await readProgress(store).catch(() => null);
  return p ? formatProgressLine(p) : '';
}

type PodEnd = { pod: V1Pod; verdict: PodVerdict & { state: 'finished' | 'failed' }; seenTail: string };

/** The last `lines` lines of a log that are not progress lines. */
function withoutProgress(log: string, lines: number): string {
  return log
    .split('\n')
    .filter((l) => l !== '' && parseProgressLine(l) === null)
    .slice(-lines)
    .join('\n');
}

/** `pods/<name>.json` in the run folder: each pod of the run, its node, end and cost. */
const PODS_DIR = 'pods';
const podRecord = (name: string) => `${PODS_DIR}/${name}.json`;

function isTerminal(p: V1Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

function attemptOf(p: V1Pod): number {
  return Number(p.metadata?.labels?.[LABEL.podAttempt] ?? 0) || 0;
}
