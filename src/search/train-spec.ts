/**
 * The TrainSpec of one training attempt of a candidate, built from the search config: the
 * storage layout of docs/ARCHITECTURE.md (`candidates/<id>/runs/<runId>`), the config's hyperparameters,
 * and the divergence adjustment of the attempt folded in. Pure, for the workflows.
 */
import type { DatasetSpec } from '../contracts/train';
import type { SearchConfig } from './config';
import { adjustSpec, cumulativeAdjustment, type ResolvedTrainSpec } from './divergence';
import type { RetryAdjustment } from '../contracts/activities';
import type { SearchExecutorSettings } from '../contracts/executor-settings';
import { generationCount } from './strategy';

/** The parts of a search config that training one candidate needs. */
export type CandidateSettings = Pick<SearchConfig, 'train' | 'distill' | 'divergence'> & {
  dataset: DatasetSpec;
  /** Absent in candidates started before OOM retries lowered the batch. */
  oom?: SearchConfig['oom'];
  /** Absent in the inputs of candidates started before ranking penalties existed. */
  ranking?: SearchConfig['ranking'];
  /** The rung this candidate pauses at for the search's verdict; set by the search only. */
  earlyStop?: SearchConfig['earlyStop'];
  /** Absent in candidates started before sampled mutations could be limited. */
  mutation?: SearchConfig['mutation'];
  /** The search's own pod settings (those its user set); absent when none, and in older inputs. */
  executor?: SearchExecutorSettings;
};

/**
 * The dataset's split is seeded by the experiment (not by each candidate's training seed), so
 * every candidate trains on the same rows and is ranked on the same validation images.
 */
export function candidateSettings(config: SearchConfig): CandidateSettings {
  const { distill, divergence, oom } = config;
  // Configs from before lineage training have no `continue`: their runs restart, as they did.
  const train =
    config.train.continue === 'lineage'
      ? { ...config.train, lineageEpochs: config.train.lineageEpochs ?? lineageSchedule(config) }
      : config.train;
  const dataset = { ...config.dataset, splitSeed: config.dataset.splitSeed ?? config.seed };
  // A config from a search started before `ranking` existed has none: nothing to add then.
  return {
    train,
    distill,
    divergence,
    dataset,
    oom,
    ...(config.ranking?.penalty ? { ranking: config.ranking } : {}),
    // Only when set, so that the inputs of searches that use neither stay as they were.
    ...(config.mutation?.maxFlops != null ||
    config.mutation?.init === 'random' ||
    config.mutation?.weights !== undefined ||
    config.mutation?.convRatio !== undefined
      ? { mutation: config.mutation }
      : {}),
  };
}

/**
 * The lineage schedule's default length: the epochs of the longest lineage the search can grow,
 * the start network's run and one run per generation after it.
 */
export function lineageSchedule(config: Pick<SearchConfig, 'train' | 'strategy'>): number {
  return config.train.epochs * (generationCount(config.strategy) + 1);
}

/** `file:///runs/experiments/e1` + `candidates`, `c1` → `file:///runs/experiments/e1/candidates/c1`. */
export function childUri(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts].join('/');
}

export function candidateUri(experimentUri: string, candidateId: string): string {
  return childUri(experimentUri, 'candidates', candidateId);
}

/** Attempt 1 is `<candidate>-a1`; each divergence retry is a new run beside it. */
export function runIdOf(candidateId: string, attempt: number): string {
  return `${candidateId}-a${attempt}`;
}

export interface AttemptSpec {
  spec: ResolvedTrainSpec;
  adjustment: RetryAdjustment;
}

export function attemptSpec(args: {
  experimentUri: string;
  candidateId: string;
  /** The candidate's untrained checkpoint (the mutate activity's output). */
  checkpoint: string;
  seed: number;
  settings: CandidateSettings;
  /** The parent's trained checkpoint, the distillation teacher; null for the start model. */
  teacher: string | null;
  attempt: number;
}): AttemptSpec {
  const { train, distill, divergence, dataset } = args.settings;
  const runId = runIdOf(args.candidateId, args.attempt);
  const base: ResolvedTrainSpec = {
    runId,
    checkpoint: args.checkpoint,
    output: childUri(candidateUri(args.experimentUri, args.candidateId), 'runs', runId),
    // A retry of the same attempt (worker lost) resumes; a divergence retry is a fresh run.
    resume: true,
    seed: args.seed,
    dataset,
    ...train,
    // Candidates are ranked on validation only; the search scores its finalists' test split once.
    scoreTest: false,
    distill:
      distill.enabled && args.teacher
        ? { enabled: true, teacher: args.teacher, temperature: distill.temperature, alpha: distill.alpha }
        : { enabled: false, temperature: distill.temperature, alpha: distill.alpha },
  };
  const adjustment = cumulativeAdjustment(divergence.retries, args.attempt - 1);
  return { spec: adjustSpec(base, adjustment), adjustment };
}

/**
 * The `retry`-th out-of-memory retry of an attempt: a new run beside it (`<runId>-oom<k>`; a
 * checkpoint cannot resume with another batch size) whose batch is scaled by the first
 * `retry` entries of `oom.retries`, on top of the attempt's own adjustment.
 */
export function oomRetrySpec(
  attempt: AttemptSpec,
  scales: readonly { batchScale: number }[],
  retry: number,
): AttemptSpec {
  const batchScale = scales.slice(0, retry).reduce((a, s) => a * s.batchScale, 1);
  const runId = `${attempt.spec.runId}-oom${retry}`;
  const adjustment = { ...attempt.adjustment, batchScale: (attempt.adjustment.batchScale ?? 1) * batchScale };
  const spec = adjustSpec(
    { ...attempt.spec, runId, output: attempt.spec.output.replace(/[^/]+$/, runId) },
    {
      batchScale,
    },
  );
  return { spec, adjustment };
}
