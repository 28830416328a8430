/**
 * Divergence retries: a run that diverged (NaN/Inf or exploding loss) is trained again with
 * the next adjustment of the config's schedule, on top of the ones before it — the default
 * schedule first lowers the learning rate, then also clips gradients, then also halves the
 * batch. Each retry is its own activity call, so the adjusted values are in the history.
 */
import type { TrainSpec, TrainSpecInput } from '../contracts/train';
import type { RetryAdjustment } from '../contracts/activities';

/** A spec whose hyperparameters are resolved (the workflow builds them from a parsed config). */
export type ResolvedTrainSpec = TrainSpecInput & Pick<TrainSpec, 'optimizer' | 'batchSize'>;

/** The first `retries` adjustments of the schedule folded into one. */
export function cumulativeAdjustment(schedule: readonly RetryAdjustment[], retries: number): RetryAdjustment {
  const total: RetryAdjustment = {};
  for (const step of schedule.slice(0, retries)) {
    if (step.lrScale !== undefined) total.lrScale = (total.lrScale ?? 1) * step.lrScale;
    if (step.batchScale !== undefined) total.batchScale = (total.batchScale ?? 1) * step.batchScale;
    if (step.clipNorm !== undefined) total.clipNorm = Math.min(total.clipNorm ?? Infinity, step.clipNorm);
  }
  return total;
}

/** The spec with an adjustment applied; the input is not changed. */
export function adjustSpec(spec: ResolvedTrainSpec, adjustment: RetryAdjustment): ResolvedTrainSpec {
  const out: ResolvedTrainSpec = { ...spec };
  if (adjustment.lrScale !== undefined) {
    out.optimizer = { ...spec.optimizer, lr: spec.optimizer.lr * adjustment.lrScale };
  }
  if (adjustment.batchScale !== undefined) {
    out.batchSize = Math.max(1, Math.round(spec.batchSize * adjustment.batchScale));
  }
  if (adjustment.clipNorm !== undefined) {
    out.clipNorm = Math.min(spec.clipNorm ?? Infinity, adjustment.clipNorm);
  }
  return out;
}
