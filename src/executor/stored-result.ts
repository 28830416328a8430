/**
 * A run's result.json as the Kubernetes executor's evidence that the run finished, whatever its
 * pod looks like: a pod on a node that stopped reporting stays Running in the API (or is
 * deleted with its node) although its trainer wrote the result, and an attempt started after
 * that must not train the run again.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { TRAIN_EXIT, type TrainResult, type TrainSpec } from '../contracts/train';
import type { ArtifactStore } from '../storage/store';
import { readResultFile } from '../train/result-file';
import type { PodVerdict } from './pod-classify';

/** How long a Ready pod may go on after its run's result.json appeared before storage decides. */
export const RESULT_GRACE_MS = 30_000;

/**
 * This run's finished result in its folder (completed or diverged; a `stopped` run resumes),
 * or null.
 */
export async function storedResult(store: ArtifactStore, spec: TrainSpec): Promise<TrainResult | null> {
  const result = await readResultFile(store);
  return result && result.runId === spec.runId && result.status !== 'stopped' ? result : null;
}

export function storedVerdict(result: TrainResult): PodVerdict & { state: 'finished' } {
  return {
    state: 'finished',
    exitCode: result.status === 'diverged' ? TRAIN_EXIT.diverged : TRAIN_EXIT.done,
  };
}

export function isReady(p: V1Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
