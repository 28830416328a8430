/**
 * Mini-batches without copying the dataset: each epoch is a seeded permutation of row indices,
 * and each batch is gathered (and augmented) into buffers the stream reuses. Everything random
 * is a function of (seed, epoch) or (seed, epoch, batch), never of what was drawn before, so a
 * run resumed at epoch k — or at batch b of it — draws exactly the batches an uninterrupted run
 * would have.
 */
import { Augmentation, shiftFlip } from './augment';
import { DatasetError } from './errors';
import { DataRng } from './rng';

export interface Batch {
  /** `size` images, NHWC. A view of the stream's buffer: valid until the next batch is drawn. */
  x: Float32Array;
  y: Int32Array;
  /** Row of the split behind each example (teacher logits are looked up by it). */
  rows: Int32Array;
  size: number;
  /** 0-based position of the batch in its epoch. */
  index: number;
}

export interface BatchStreamOptions {
  batchSize: number;
  seed: number;
  /** Permute rows each epoch; off, batches follow the split's order (for evaluation). */
  shuffle: boolean;
  augment: false | Augmentation;
}

export class BatchStream {
  private readonly per: number;
  private readonly x: Float32Array;
  private readonly y: Int32Array;
  private readonly rows: Int32Array;

  constructor(
    private readonly split: { x: Float32Array; y: Int32Array; count: number },
    private readonly shape: readonly [number, number, number],
    private readonly opts: BatchStreamOptions,
  ) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
      throw new DatasetError('bad-spec', `batch size must be a positive integer, received ${opts.batchSize}`);
    }
    this.per = shape[0] * shape[1] * shape[2];
    if (split.x.length !== split.count * this.per) {
      throw new DatasetError(
        'bad-spec',
        `split holds ${split.x.length} values, ${split.count} images of ${shape.join('x')} need ${split.count * this.per}`,
      );
    }
    const size = Math.min(opts.batchSize, Math.max(split.count, 1));
    this.x = new Float32Array(size * this.per);
    this.y = new Int32Array(size);
    this.rows = new Int32Array(size);
  }

  stepsPerEpoch(): number {
    return Math.ceil(this.split.count / this.opts.batchSize);
  }

  /** The rows of a 0-based epoch in the order its batches take them. */
  order(epoch: number): Int32Array {
    const order = Int32Array.from({ length: this.split.count }, (_, i) => i);
    return this.opts.shuffle ? new DataRng(`order:${this.opts.seed}:${epoch}`).shuffle(order) : order;
  }

  /** The batches of a 0-based epoch, from batch `from` on; the last one may be smaller. */
  *epochBatches(epoch: number, from = 0): Generator<Batch> {
    const order = this.order(epoch);
    const { batchSize, augment, seed } = this.opts;
    const per = this.per;
    for (let index = from, start = from * batchSize; start < order.length; index++, start += batchSize) {
      const size = Math.min(batchSize, order.length - start);
      const rng = augment ? new DataRng(`augment:${seed}:${epoch}:${index}`) : null;
      for (let i = 0; i < size; i++) {
        const r = order[start + i];
        this.rows[i] = r;
        this.y[i] = this.split.y[r];
        const src = this.split.x.subarray(r * per, (r + 1) * per);
        if (augment && rng) {
          const span = 2 * augment.crop + 1;
          const dy = rng.int(span) - augment.crop;
          const dx = rng.int(span) - augment.crop;
          const flip = augment.flip && rng.next() < 0.5;
          shiftFlip(src, this.x.subarray(i * per, (i + 1) * per), this.shape, dy, dx, flip);
        } else {
          this.x.set(src, i * per);
        }
      }
      yield {
        x: this.x.subarray(0, size * per),
        y: this.y.subarray(0, size),
        rows: this.rows.subarray(0, size),
        size,
        index,
      };
    }
  }
}
