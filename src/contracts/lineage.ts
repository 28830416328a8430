/**
 * The events of lineage.jsonl (mutation, training run, selection, generation): the story of an
 * experiment, written by the search workflow through an activity and by trainers, read by the
 * report and by a resumed search; and the finalists' test scores and the scratch control.
 * src/log/lineage.ts reads and appends them.
 */
import { z } from 'zod';

const At = z.iso.datetime({ offset: true }).default(() => new Date().toISOString());
const Id = z.string().min(1);
const Generation = z.number().int().min(0);
const MetricValues = z.record(z.string(), z.number().nullable());

export const MutationEvent = z.strictObject({
  type: z.literal('mutation'),
  at: At,
  generation: Generation.optional(),
  parent: Id,
  child: Id,
  /** The command text, e.g. `wider conv2 x2`. */
  op: z.string().min(1),
  paramsBefore: z.number().int().min(0),
  paramsAfter: z.number().int().min(0),
  preserving: z.boolean(),
  /** The function-preservation check; null when it was not run. */
  maxAbsDiff: z.number().nullable().default(null),
  relDiff: z.number().nullable().default(null),
  /** Wall seconds the preservation check took (off the worker's event loop); absent when unchecked. */
  checkSeconds: z.number().min(0).optional(),
  /**
   * The command added a layer with no nonlinearity after it (`deeper` after a batch norm,
   * tanh, ...): more parameters, no more capacity. Absent = no.
   */
  linearLayer: z.boolean().optional(),
  /**
   * Lineage-continuous training (`continue: lineage`): the lineage's epochs and steps the child
   * continues from, and the optimizer state carried through the commands (its kind and
   * iteration count; null when the parent's optimizer kept none). On the last command's event.
   */
  carried: z
    .strictObject({
      epochs: z.number().int().min(0),
      steps: z.number().int().min(0),
      optimizer: z.enum(['sgd', 'adam']).nullable(),
      iterations: z.number().int().min(0),
    })
    .optional(),
});

export const TrainingEvent = z.strictObject({
  type: z.literal('training'),
  at: At,
  generation: Generation.optional(),
  candidate: Id,
  runId: Id,
  status: z.enum(['started', 'completed', 'diverged', 'stopped', 'failed', 'retrying']),
  epochs: z.number().int().min(0),
  metrics: MetricValues.default({}),
  wallSeconds: z.number().min(0),
  /** The run's training FLOPs (TrainResult.trainFlops); absent while it runs and in older logs. */
  trainFlops: z.number().min(0).optional(),
  /** Which try this was, and what a divergence retry changed (lrScale, clipNorm, batchScale). */
  attempt: z.number().int().positive().optional(),
  adjustment: z.record(z.string(), z.number()).optional(),
});

export const SelectionEvent = z.strictObject({
  type: z.literal('selection'),
  at: At,
  generation: Generation,
  /** Candidates that were compared, and the ones kept. */
  from: z.array(Id),
  selected: z.array(Id),
  scores: MetricValues.default({}),
  criterion: z.string().default('val_acc'),
});

export const GenerationEvent = z.strictObject({
  type: z.literal('generation'),
  at: At,
  generation: Generation,
  status: z.enum(['started', 'finished']),
  candidates: z.array(Id).default([]),
  best: Id.nullable().default(null),
  /** Parents whose grown children this generation did not draw: they have no feasible growth. */
  noGrowth: z.array(Id).optional(),
});

/**
 * A finalist's test-split score, taken once after the search for the best few by validation
 * accuracy. Reported only: nothing ranks or selects by it.
 */
export const TestEvent = z.strictObject({
  type: z.literal('test'),
  at: At,
  candidate: Id,
  /** Its place among the finalists by validation accuracy (1 = best). */
  rank: z.number().int().positive(),
  valAcc: z.number().nullable(),
  /** Null when the dataset has no test split or scoring failed. */
  acc: z.number().nullable(),
  loss: z.number().nullable(),
});

/**
 * The search's control: the winner's architecture retrained from random initialisation for the
 * epochs its lineage accumulated, beside the grown winner it is compared with.
 */
export const ScratchEvent = z.strictObject({
  type: z.literal('scratch'),
  at: At,
  /** The scratch candidate (trained under `candidates/<candidate>/`). */
  candidate: Id,
  /** The grown winner whose architecture it retrains. */
  of: Id,
  status: z.enum(['completed', 'diverged', 'failed', 'stopped']),
  epochs: z.number().int().min(0),
  valAcc: z.number().nullable(),
  /** Null when the finalists were not tested (no test split, or scoring failed). */
  testAcc: z.number().nullable(),
  wallSeconds: z.number().min(0),
  /** What was matched (absent in events before it existed: epochs). */
  match: z.enum(['epochs', 'flops', 'wall']).optional(),
  /** Training FLOPs of the control's runs, when counted. */
  trainFlops: z.number().min(0).optional(),
  grown: z.strictObject({
    valAcc: z.number().nullable(),
    testAcc: z.number().nullable(),
    epochs: z.number().int().min(0),
    wallSeconds: z.number().min(0),
    /** Training FLOPs along the winner's lineage, when counted. */
    trainFlops: z.number().min(0).optional(),
  }),
});

/**
 * The search's early-stop decision on a candidate at its rung: its validation accuracy after
 * `epoch` epochs against the rung scores of its generation's candidates that got there first.
 */
export const EarlyStopEvent = z.strictObject({
  type: z.literal('early-stop'),
  at: At,
  generation: Generation,
  candidate: Id,
  rule: z.enum(['median', 'halving']),
  epoch: z.number().int().positive(),
  valAcc: z.number().nullable(),
  /** How many earlier rung scores it was judged against. */
  peers: z.number().int().min(0),
  /** The score it had to reach; null when there was nothing to judge against. */
  threshold: z.number().nullable(),
  decision: z.enum(['stop', 'continue']),
});

/**
 * A control child of the search (`controls.continue`), written when its generation starts:
 * `candidate` is `of` unchanged (no command), trained the same epochs as `of`'s grown children.
 */
export const ControlEvent = z.strictObject({
  type: z.literal('control'),
  at: At,
  generation: Generation,
  candidate: Id,
  of: Id,
  kind: z.literal('continue'),
});

export const LineageEvent = z.discriminatedUnion('type', [
  MutationEvent,
  TrainingEvent,
  SelectionEvent,
  GenerationEvent,
  TestEvent,
  ScratchEvent,
  EarlyStopEvent,
  ControlEvent,
]);
export type LineageEvent = z.infer<typeof LineageEvent>;
export type LineageEventInput = z.input<typeof LineageEvent>;
export type MutationEvent = z.infer<typeof MutationEvent>;
export type TrainingEvent = z.infer<typeof TrainingEvent>;
export type SelectionEvent = z.infer<typeof SelectionEvent>;
export type GenerationEvent = z.infer<typeof GenerationEvent>;
export type TestEvent = z.infer<typeof TestEvent>;
export type ScratchEvent = z.infer<typeof ScratchEvent>;
export type EarlyStopEvent = z.infer<typeof EarlyStopEvent>;
