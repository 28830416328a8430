/**
 * The executor interface: what the train activity hands a TrainSpec to, whatever runs it (in
 * process, a child process, a Kubernetes pod — src/executor). Here so the worker entry's
 * options can carry an executor that the command line built.
 */
import { z } from 'zod';
import type { TrainResult, TrainSpec } from './train';
import type { SearchExecutorSettings } from './executor-settings';

export interface TrainProgress {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss?: number | null;
  acc?: number | null;
  valAcc?: number | null;
}

/** `progress.json` in a run folder (src/train/progress-file.ts): a TrainProgress as the trainer wrote it. */
export const TrainProgressFile = z.object({
  epoch: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  stepsPerEpoch: z.number().int().nonnegative(),
  loss: z.number().nullable().optional(),
  acc: z.number().nullable().optional(),
  valAcc: z.number().nullable().optional(),
});

export interface RunOptions {
  onProgress?: (p: TrainProgress) => void;
  /**
   * Why the run is not training yet (a pod Pending: the scheduler's reason, an image being
   * pulled); null once it trains. Called when the reason changes.
   */
  onWaiting?: (why: string | null) => void;
  /** Aborting stops the run (the trainer checkpoints on SIGTERM) and rejects with 'cancelled'. */
  signal?: AbortSignal;
  /**
   * The search's own settings for this run's pod; a Kubernetes executor merges them over its
   * own (or refuses a field its worker forbids), the local executors have no pod to apply them to.
   */
  executor?: SearchExecutorSettings;
}

export interface TrainExecutor {
  readonly kind: 'process' | 'inprocess' | 'kubernetes';
  run(spec: TrainSpec, opts?: RunOptions): Promise<TrainResult>;
}
