/**
 * The contract between the workflows and the activities: types only. Workflows call these
 * through `proxyActivities<Activities>()`, so nothing with I/O is bundled into the workflow
 * sandbox; `createActivities(...)` in activities/ returns an `Activities`.
 *
 * Every payload lands in Temporal's history, so it holds ids, URIs, commands and metrics —
 * never weights, datasets or logs. URIs are absolute (`file:///…` or `s3://…`): the client
 * resolves the storage root before it starts a workflow, because a worker's cwd may differ.
 */
import type { LineageEventInput } from './lineage';
import type { OperationStat } from './search';
import type { DatasetSpec, TrainResult, TrainSpecInput } from './train';
import type { SearchExecutorSettings } from './executor-settings';

/** Where a child grows from: a trained candidate, or the start architecture. */
export type MutateParent =
  | { kind: 'candidate'; candidateId: string; checkpoint: string }
  /** A builtin name, a graph.json path or a checkpoint URI (the search config's `start.arch`). */
  | { kind: 'start'; arch: string };

/** What a divergence retry changes in the spec (src/search/divergence.ts folds them). */
export interface RetryAdjustment {
  /** Multiplies the optimizer's learning rate. */
  lrScale?: number;
  /** Sets gradient clipping by global norm (the smaller of this and any clip already set). */
  clipNorm?: number;
  /** Multiplies the batch size (rounded, at least 1). */
  batchScale?: number;
}

export interface MutateInput {
  /** `<storage>/experiments/<experimentId>`. */
  experimentUri: string;
  parent: MutateParent;
  childId: string;
  /** Seeds the command sampler and any new weights (net2wider noise, fresh layers). */
  seed: number;
  /** Explicit commands in text form (`wider conv2 x2`); when absent, `mutations` are sampled. */
  ops?: string[];
  /** Random feasible commands to sample when `ops` is absent. */
  mutations?: number;
  /** Sampled commands never make a child with more forward FLOPs per sample than this. */
  maxFlops?: number;
  /** Draw weights per command kind (`mutation.weights`), over the seed's rule for the kinds named. */
  weights?: Partial<Record<string, number>>;
  /** Widen sampled convs by a ratio in [min, max] (`mutation.convRatio`) instead of the seed's rule. */
  convRatio?: [number, number];
  /** `random`: new units from the initialiser instead of function-preserving (src/morph/random-init.ts). Absent = preserve. */
  init?: 'random';
  /** Classes of the dataset, for the start architecture's output layer; from the dataset. */
  dataset: DatasetSpec;
}

export interface AppliedOp {
  /** The command as applied, in canonical text form. */
  command: string;
  preserving: boolean;
  paramsBefore: number;
  paramsAfter: number;
  /** max |f_child(x) − f_parent(x)| of the check after this command; null when unchecked. */
  maxAbsDiff: number | null;
  /** The command added a layer with no nonlinearity after it (a `deeper` after a batch norm, tanh, ...); absent = no. */
  linearLayer?: true;
}

export interface MutateOutput {
  candidateId: string;
  /** URI of the child's (untrained) checkpoint folder. */
  checkpoint: string;
  ops: AppliedOp[];
  /** True when every applied command preserves the function. */
  preserving: boolean;
  /** Parent-to-child check over all commands; null when unchecked or not preserving. */
  maxAbsDiff: number | null;
  /**
   * Wall seconds of the preservation check (run off the event loop, in a worker thread);
   * null when unchecked; absent in outputs from before it was measured.
   */
  checkSeconds?: number | null;
  paramsBefore: number;
  paramsAfter: number;
  /** Forward FLOPs per sample of the child (src/graph/flops.ts); absent in older outputs. */
  flopsAfter?: number;
  /**
   * What the child carries from its parent's training (`continue: lineage`): the lineage's
   * epochs and steps so far, and the optimizer state through the commands; absent otherwise.
   */
  carried?: { epochs: number; steps: number; optimizer: 'sgd' | 'adam' | null; iterations: number };
}

export interface TrainActivityInput {
  experimentUri: string;
  candidateId: string;
  /** 1 for the first run; 2, 3, … for divergence retries. */
  attempt: number;
  /** The cumulative adjustment this run's spec carries (empty on the first attempt). */
  adjustment: RetryAdjustment;
  /** 1, 2, …: this run retries attempt `attempt` after an OOM kill, with a smaller batch. */
  oomRetry?: number;
  /** Built by the workflow; the activity validates it with `TrainSpec.parse`. */
  spec: TrainSpecInput;
  /**
   * The fields of the search's kubernetes `executor` section its user set, for a Kubernetes
   * executor to build this run's pod with (merged over the worker's own settings); absent when
   * the search set none, and in inputs from before the `search-executor-settings` patch.
   */
  executor?: SearchExecutorSettings;
}

/** `Context.current().heartbeat(details)` of the train activity; resumed from on retry. */
export interface TrainHeartbeat {
  /** 1-based epoch in progress (0 before the first step). */
  epoch: number;
  /** Optimizer steps so far in the run. */
  step: number;
  /** 0 until the trainer reported its first progress. */
  stepsPerEpoch?: number;
  /** Epochs the spec asks for, so a progress bar knows its end. */
  epochs?: number;
  metrics: Record<string, number | null>;
  /** Why the run is not training yet (its pod Pending: the scheduler's reason); absent once it trains. */
  waiting?: string;
}

/**
 * Scheduled only by histories from before the trainer scored validation itself (candidate
 * workflows that did not take the `validation-in-training` patch); kept for them.
 */
export interface EvaluateInput {
  experimentUri: string;
  candidateId: string;
  /** The trained checkpoint (TrainResult.checkpoint). */
  checkpoint: string;
  dataset: DatasetSpec;
}

export interface EvaluateOutput {
  valAcc: number;
  valLoss: number;
  /** Null when the dataset has no test split. */
  testAcc: number | null;
  testLoss: number | null;
  params: number;
}

/**
 * The test split, scored once per search for its finalists (the best by validation accuracy),
 * after the search: reported, never used to rank or select.
 */
export interface TestFinalistsInput {
  experimentUri: string;
  dataset: DatasetSpec;
  finalists: { candidateId: string; checkpoint: string }[];
}

export interface FinalistTest {
  candidateId: string;
  /** Null when the dataset has no test split. */
  testAcc: number | null;
  testLoss: number | null;
}

export interface ReportInput {
  experimentUri: string;
  experimentId: string;
  /** Why the search ended, in words (`budget: candidates`, `stopped`, …). */
  reason: string;
  best: string | null;
}

export interface ReportOutput {
  /** URI of report/index.html. */
  uri: string;
  /** Per-operation statistics over lineage.jsonl; absent in outputs from before they existed. */
  operations?: OperationStat[];
}

/**
 * Appends events to lineage.jsonl. The parent workflow is the only writer and awaits each call
 * before the next, because an S3 append is read-modify-write and concurrent appends lose lines.
 */
export interface RecordLineageInput {
  experimentUri: string;
  events: LineageEventInput[];
}

export interface Activities {
  mutate(input: MutateInput): Promise<MutateOutput>;
  train(input: TrainActivityInput): Promise<TrainResult>;
  evaluate(input: EvaluateInput): Promise<EvaluateOutput>;
  testFinalists(input: TestFinalistsInput): Promise<FinalistTest[]>;
  report(input: ReportInput): Promise<ReportOutput>;
  recordLineage(input: RecordLineageInput): Promise<void>;
}
