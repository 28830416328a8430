/**
 * What the training loop needs from a dataset: the splits as flat arrays and, per epoch, a
 * reproducible sequence of batches that names the training row behind every example (teacher
 * logits are looked up by it). `src/data` produces this from the registry; `inMemoryData`
 * wraps arrays a caller already holds.
 */
import { Rng, Shape } from '../graph';
import type { ImageSet, Split } from '../data/load';

/** The splits are src/data's own types: the loop reads what the loaders produce. */
export type LabelledSet = Split;
export type { ImageSet };

export interface Batch {
  x: Float32Array;
  y: Int32Array;
  /** Training-set row of each example. */
  rows: Int32Array;
  size: number;
}

export interface TrainingData {
  inputShape: Shape;
  numClasses: number;
  train: LabelledSet;
  val: LabelledSet | null;
  test: LabelledSet | null;
  /** Unlabelled images used only for distillation. */
  transfer: ImageSet | null;
  /**
   * The batches of a 0-based epoch: the same for the same (seed, epoch) in every process, so a
   * resumed run sees what an uninterrupted one saw. The last batch may be smaller.
   */
  epochBatches(epoch: number, batchSize: number): Iterable<Batch>;
  /** Identifies the exact rows (dataset, split, seed); teacher logits are cached under it. */
  key: string;
}

/** A TrainingData over arrays in memory: shuffled per (seed, epoch), no augmentation. */
export function inMemoryData(d: Omit<TrainingData, 'epochBatches'>, seed: number): TrainingData {
  const per = d.inputShape.reduce((a, b) => a * b, 1);
  return {
    ...d,
    *epochBatches(epoch: number, batchSize: number): Iterable<Batch> {
      const order = new Rng(`${seed}:epoch:${epoch}`).shuffle(
        Array.from({ length: d.train.count }, (_, i) => i),
      );
      for (let start = 0; start < order.length; start += batchSize) {
        const rows = Int32Array.from(order.slice(start, start + batchSize));
        const x = new Float32Array(rows.length * per);
        const y = new Int32Array(rows.length);
        rows.forEach((r, i) => {
          x.set(d.train.x.subarray(r * per, (r + 1) * per), i * per);
          y[i] = d.train.y[r];
        });
        yield { x, y, rows, size: rows.length };
      }
    },
  };
}

export const stepsPerEpoch = (d: TrainingData, batchSize: number): number =>
  Math.ceil(d.train.count / batchSize);
