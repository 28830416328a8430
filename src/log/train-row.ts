/**
 * One line of training progress: what train.csv stores and what the event file plots. An
 * `epoch` row summarises a finished epoch; a `step` row summarises the last N optimizer
 * steps (TrainSpec.logEverySteps) inside an epoch and has no validation metrics.
 */
import { z } from 'zod';

/** A finite number, or NaN/±Infinity: a diverged run's loss must be recorded, not refused. */
const Measured = z.custom<number>((v) => typeof v === 'number', {
  message: 'expected a number (NaN and ±Infinity are allowed)',
});

export const TrainRow = z.strictObject({
  kind: z.enum(['epoch', 'step']).default('epoch'),
  /** 1-based epoch; a step row carries the epoch it falls in. */
  epoch: z.number().int().positive(),
  /** Global optimizer step at the end of the row's interval (monotonic across resumes). */
  step: z.number().int().min(0),
  loss: Measured,
  acc: Measured.nullable().default(null),
  valLoss: Measured.nullable().default(null),
  valAcc: Measured.nullable().default(null),
  lr: z.number().min(0),
  /** Wall seconds of the interval the row covers (the epoch, or the steps since the last row). */
  seconds: z.number().min(0),
  samplesPerSec: z.number().min(0),
});
export type TrainRow = z.infer<typeof TrainRow>;
export type TrainRowInput = z.input<typeof TrainRow>;

/** train.csv's columns, in order; `kind` last so a plain epoch table reads naturally. */
export const TRAIN_CSV_COLUMNS = [
  'epoch',
  'step',
  'loss',
  'acc',
  'val_loss',
  'val_acc',
  'lr',
  'seconds',
  'samples_per_sec',
  'kind',
] as const;
export type TrainCsvColumn = (typeof TRAIN_CSV_COLUMNS)[number];

/** The numeric fields of a row by their CSV/TensorBoard name. */
export const METRIC_FIELDS = {
  loss: 'loss',
  acc: 'acc',
  val_loss: 'valLoss',
  val_acc: 'valAcc',
  lr: 'lr',
  seconds: 'seconds',
  samples_per_sec: 'samplesPerSec',
} as const satisfies Record<string, keyof TrainRow>;
