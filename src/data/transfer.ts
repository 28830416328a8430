/**
 * Transfer data: extra unlabelled images the student sees only through the teacher's outputs
 * (distillation, the seed's kd.py). `DatasetSpec.transfer` names where they come from:
 * - `remainder`: the training images that `limit` left out (so `limit` must be below the
 *   whole set); never validation images;
 * - `<dataset>` or `<dataset>@train`: another dataset's training images, e.g. `cifar100` beside
 *   `cifar10`; `<dataset>@test` takes its test images instead;
 * in every case the images must have the main dataset's shape and are scaled with the main
 * training split's statistics. Their labels are dropped.
 */
import { DatasetError } from './errors';
import { ReadOptions, readRawDataset } from './read';
import { RawDataset } from './raw';
import { datasetEntry } from './registry';

export interface TransferSource {
  images: Uint8Array;
  /** Rows of `images` to take; null for all. */
  rows: Int32Array | null;
  count: number;
  /** Canonical description, part of the dataset key. */
  label: string;
}

export function resolveTransfer(
  transfer: string,
  main: RawDataset,
  unused: Int32Array,
  opts: ReadOptions,
): TransferSource {
  const spec = transfer.trim();
  if (spec === 'remainder') {
    if (unused.length === 0) {
      throw new DatasetError(
        'bad-spec',
        `transfer 'remainder' is empty: limit uses all ${main.train.count} ${main.entry.name} training images; set limit below 1 or name another dataset (e.g. transfer: cifar100)`,
      );
    }
    return { images: main.train.images, rows: unused, count: unused.length, label: 'remainder' };
  }
  const m = /^(.+?)(?:@(train|test))?$/.exec(spec);
  if (!m)
    throw new DatasetError(
      'bad-spec',
      `transfer '${transfer}' must be 'remainder', a dataset name, or <dataset>@train|test`,
    );
  const entry = datasetEntry(m[1]);
  const split = (m[2] ?? 'train') as 'train' | 'test';
  const shape = main.entry.inputShape.join('x');
  if (entry.inputShape.join('x') !== shape) {
    throw new DatasetError(
      'bad-spec',
      `transfer dataset ${entry.name} has ${entry.inputShape.join('x')} images, ${main.entry.name} has ${shape}; pick one of the same shape`,
    );
  }
  const raw = entry.name === main.entry.name ? main : readRawDataset(entry, { ...opts, dataDirIsRoot: true });
  const part = raw[split];
  return { images: part.images, rows: null, count: part.count, label: `${entry.name}@${split}` };
}
