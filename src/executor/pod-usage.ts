/**
 * What trainer pods cost, measured rather than declared: each pod from its (container's) start
 * to its end (the times the node reported in the pod's status) times its GPUs. The search's
 * GPU-hour budget adds up these figures, summed over every pod of a run, from the records the
 * executor leaves in the run folder (`pods/<name>.json`), so an attempt adopted by another
 * worker or retried after a lost node is counted once per pod.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { ArtifactStore } from '../storage/store';
import { trainerContainerStatus } from './pod-spec';

/** What a pod cost: GPU-seconds from container start to end, as the pod's status records them. */
export interface PodUsage {
  pod: string;
  node: string | null;
  gpus: number;
  seconds: number;
  gpuSeconds: number;
}

/**
 * The pod's usage: from its container's start, or the pod's own start (a node took it, and its
 * GPU, even if the image never came) to its end; null when no node ever started it. A
 * container that terminated without having started (a StartError: Kubernetes then reports
 * `startedAt` as 1970-01-01, or none) never ran: zero seconds, never 57 years.
 */
export function podUsage(pod: V1Pod, gpus: number, now: number): PodUsage | null {
  const term = trainerContainerStatus(pod)?.state?.terminated;
  const podStart = instant(pod.status?.startTime);
  const start = term ? instant(term.startedAt) : podStart;
  if (start === null && podStart === null) return null;
  // A pod lost with its node has no finish time: it ran until the worker saw it go.
  const end = instant(term?.finishedAt) ?? now;
  const seconds = start === null ? 0 : Math.max(0, (end - start) / 1000);
  return {
    pod: pod.metadata!.name!,
    node: pod.spec?.nodeName ?? null,
    gpus,
    seconds,
    gpuSeconds: seconds * gpus,
  };
}

/** Milliseconds of a status time; null when absent, unparsable, or the epoch's zero (unset). */
function instant(time: Date | string | undefined | null): number | null {
  if (time === undefined || time === null) return null;
  const ms = new Date(time).getTime();
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

/**
 * Device-seconds of every pod recorded under `dir` of a run folder; a CPU pod counts as one
 * device, as the search counts a run without GPUs.
 */
export async function runDeviceSeconds(store: ArtifactStore, dir: string): Promise<number> {
  let total = 0;
  for (const key of await store.list(`${dir}/`)) {
    if (!key.endsWith('.json')) continue;
    const record = JSON.parse(await store.getText(key)) as { usage?: PodUsage | null };
    if (record.usage) total += record.usage.seconds * Math.max(1, record.usage.gpus);
  }
  return total;
}
