/**
 * What a worker clears away at its start (and every `everySeconds` after): the pods of searches
 * that no longer run, and finished pods kept for debugging past their time to live. A search's
 * pods go with its owner object (search-owner.ts), which Kubernetes' garbage collector follows;
 * pods made without one (by a netgrow before owners) are deleted one by one. Whether a search
 * runs is asked of Temporal by the caller (`isRunning`); when that cannot be told, nothing of
 * the search is touched.
 */
import { ApiException, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { ExecutorError } from './executor';
import { apiMessage } from './pod-access';
import { EXPERIMENT_ANNOTATION, LABEL, TRAINER_APP, trainerContainerStatus } from './pod-spec';
import { SEARCH_APP } from './search-owner';

export interface ReapOptions {
  namespace: string;
  /** Whether the search (workflow id = experiment id) still runs; throws when it cannot be told. */
  isRunning: (experimentId: string) => Promise<boolean>;
  /** A finished pod kept (`keepPods`) is deleted this long after it ended; null: kept for good. */
  keptPodTtlSeconds: number | null;
  now?: () => number;
}

export interface Reaped {
  /** Owner objects deleted (their pods follow, deleted by the garbage collector). */
  owners: string[];
  /** Pods deleted here: past their time to live, or of a finished search without an owner. */
  pods: string[];
}

export async function reapPods(kc: KubeConfig, o: ReapOptions): Promise<Reaped> {
  const core = kc.makeApiClient(CoreV1Api);
  const ns = o.namespace;
  const now = (o.now ?? Date.now)();
  const asked = new Map<string, Promise<boolean>>();
  const running = (experiment: string) => {
    let answer = asked.get(experiment);
    if (!answer) asked.set(experiment, (answer = o.isRunning(experiment)));
    return answer;
  };
  const reaped: Reaped = { owners: [], pods: [] };
  const owners = await call(ns, 'list configmaps', () =>
    core.listNamespacedConfigMap({ namespace: ns, labelSelector: `${LABEL.app}=${SEARCH_APP}` }),
  );
  for (const owner of owners.items) {
    const experiment = owner.metadata?.annotations?.[EXPERIMENT_ANNOTATION];
    if (!experiment || (await running(experiment))) continue;
    const name = owner.metadata!.name!;
    await call(ns, 'delete configmaps', () =>
      core.deleteNamespacedConfigMap({ name, namespace: ns, propagationPolicy: 'Background' }),
    ).catch(ignoreNotFound);
    reaped.owners.push(name);
  }
  const pods = await call(ns, 'list pods', () =>
    core.listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.app}=${TRAINER_APP}` }),
  );
  for (const pod of pods.items) {
    if (pod.metadata?.deletionTimestamp) continue;
    const ended = endedAt(pod);
    const expired =
      ended !== null && o.keptPodTtlSeconds !== null && now - ended >= o.keptPodTtlSeconds * 1000;
    const experiment = pod.metadata?.annotations?.[EXPERIMENT_ANNOTATION];
    const orphan =
      !pod.metadata?.ownerReferences?.length && experiment !== undefined && !(await running(experiment));
    if (!expired && !orphan) continue;
    const name = pod.metadata!.name!;
    await call(ns, 'delete pods', () =>
      core.deleteNamespacedPod({ name, namespace: ns, gracePeriodSeconds: expired ? 0 : 30 }),
    ).catch(ignoreNotFound);
    reaped.pods.push(name);
  }
  return reaped;
}

/** When the pod's trainer ended (ms), or null while it runs. */
function endedAt(pod: V1Pod): number | null {
  if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') return null;
  const finished = trainerContainerStatus(pod)?.state?.terminated?.finishedAt;
  if (finished) return new Date(finished).getTime();
  // Failed before the trainer ran (a deadline, an eviction): the pod's last condition change.
  const times = (pod.status.conditions ?? []).map((c) => new Date(c.lastTransitionTime ?? 0).getTime());
  return times.length > 0 ? Math.max(...times) : null;
}

async function call<T>(namespace: string, what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof ApiException && (e.code === 403 || e.code === 401)) {
      throw new ExecutorError(
        'bad_input',
        `Kubernetes denied ${what} in namespace ${namespace}: ${apiMessage(e)}`,
      );
    }
    if (e instanceof ApiException && e.code === 404) throw e;
    throw new ExecutorError('infrastructure', `Kubernetes API (${what}): ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function ignoreNotFound(e: unknown): void {
  if (!(e instanceof ApiException && e.code === 404)) throw e;
}
