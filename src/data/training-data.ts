/**
 * A loaded Dataset in the shape the training loop takes (src/train/data.ts `TrainingData`),
 * without importing it (src/data sits below src/train): the same fields plus batches from a
 * BatchStream — shuffled per (seed, epoch), augmented when the spec asks for it.
 */
import { augmentationFor } from './augment';
import { Batch, BatchStream } from './batches';
import { Dataset, DatasetRequest, loadDataset, LoadOptions } from './load';

export interface DatasetTrainingData {
  inputShape: [number, number, number];
  numClasses: number;
  train: Dataset['train'];
  val: Dataset['val'];
  test: Dataset['test'];
  transfer: Dataset['transfer'];
  epochBatches(epoch: number, batchSize: number): Iterable<Batch>;
  key: string;
  dataset: Dataset;
}

export function trainingData(ds: Dataset, opts: { seed: number; augment: boolean }): DatasetTrainingData {
  const streams = new Map<number, BatchStream>();
  const streamFor = (batchSize: number): BatchStream => {
    let s = streams.get(batchSize);
    if (!s) {
      s = new BatchStream(ds.train, ds.inputShape, {
        batchSize,
        seed: opts.seed,
        shuffle: true,
        augment: opts.augment ? augmentationFor(ds) : false,
      });
      streams.set(batchSize, s);
    }
    return s;
  };
  return {
    inputShape: ds.inputShape,
    numClasses: ds.numClasses,
    train: ds.train,
    val: ds.val,
    test: ds.test,
    transfer: ds.transfer,
    epochBatches: (epoch, batchSize) => streamFor(batchSize).epochBatches(epoch),
    // Augmentation changes what the network sees, not which rows; the key names rows and scaling.
    key: ds.key,
    dataset: ds,
  };
}

/**
 * The loader a TrainSpec needs: `setDefaultDataLoader((spec) => loadTrainingData(spec))`. The
 * rows (limit subset, validation split) follow `dataset.splitSeed` when given, so runs with
 * different seeds can share one split; the batch order always follows the run's seed.
 */
export async function loadTrainingData(
  spec: { seed: number; dataset: DatasetRequest & { splitSeed?: number } },
  opts: LoadOptions = {},
): Promise<DatasetTrainingData> {
  const ds = await loadDataset(spec.dataset, { ...opts, seed: spec.dataset.splitSeed ?? spec.seed });
  return trainingData(ds, { seed: spec.seed, augment: spec.dataset.augment ?? false });
}
