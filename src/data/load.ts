/**
 * `loadDataset`: a dataset spec in, the arrays a training run needs out — train / validation /
 * test splits as normalized float32 NHWC with int32 labels, optional transfer images, and the
 * normalization used. Rows are picked before anything becomes float, so a run that uses 10% of
 * a dataset holds 10% of it as floats.
 */
import { DatasetError } from './errors';
import { Normalization, fitNormalization, normalizeRows, PreprocessKind } from './preprocess';
import { ReadOptions, readRawDataset } from './read';
import { Verification } from './raw';
import { datasetEntry, Shape3 } from './registry';
import { DataRng } from './rng';
import { limitCount, stratifiedPick, validationCount } from './subset';
import { resolveTransfer } from './transfer';

/** The dataset part of a TrainSpec (src/contracts/train.ts `DatasetSpec`), defaults filled in here too. */
export interface DatasetRequest {
  name: string;
  limit?: number;
  validation?: number;
  preprocess?: PreprocessKind;
  transfer?: string;
  dataDir?: string;
  /** Not used while loading; BatchStream/trainingData read it. */
  augment?: boolean;
}

export interface Split {
  /** `count` images, NHWC, normalized. */
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export interface ImageSet {
  x: Float32Array;
  count: number;
}

export interface Dataset {
  /** Canonical name (`fashion-mnist`, `synthetic:28x28x1:5000:10c`). */
  name: string;
  inputShape: Shape3;
  numClasses: number;
  classNames: string[];
  train: Split;
  val: Split | null;
  test: Split | null;
  /** Unlabelled images for distillation only (see transfer.ts). */
  transfer: ImageSet | null;
  normalization: Normalization;
  /** Whether horizontal flips keep labels (false for digits). */
  flip: boolean;
  /** Rows of the dataset's official training set behind `train` and `val`, ascending. */
  rows: { train: Int32Array; val: Int32Array };
  source: { where: string; verified: Verification };
  /** Names the exact rows and scaling (dataset, limit, validation, preprocess, transfer, seed). */
  key: string;
  /** Bytes held by the arrays above. */
  bytes: number;
}

export interface LoadOptions extends ReadOptions {
  /** Seeds the limit subset and the validation split (the run's seed). Default 0. */
  seed?: number;
}

export async function loadDataset(spec: DatasetRequest, opts: LoadOptions = {}): Promise<Dataset> {
  const seed = opts.seed ?? 0;
  const limit = spec.limit ?? 1;
  const validation = spec.validation ?? 0.1;
  const preprocess = spec.preprocess ?? 'standardize';
  const readOpts: ReadOptions = { ...opts, dataDir: spec.dataDir ?? opts.dataDir };
  const entry = datasetEntry(spec.name);
  const raw = readRawDataset(entry, readOpts);
  const shape = entry.inputShape;
  const per = shape[0] * shape[1] * shape[2];

  const all = Int32Array.from({ length: raw.train.count }, (_, i) => i);
  const used = stratifiedPick(
    all,
    raw.train.labels,
    limitCount(limit, raw.train.count, entry.name),
    new DataRng(`limit:${seed}`),
  );
  const held = stratifiedPick(
    used.taken,
    raw.train.labels,
    validationCount(validation, used.taken.length, entry.name),
    new DataRng(`validation:${seed}`),
  );
  const trainRows = held.rest;
  const valRows = held.taken;

  const normalization = fitNormalization(preprocess, raw.train.images, trainRows, shape);
  const split = (images: Uint8Array, labels: Int32Array, rows: Int32Array | null, count: number): Split => ({
    x: normalizeRows(images, rows, per, normalization),
    y: rows ? Int32Array.from(rows, (r) => labels[r]) : labels.slice(),
    count: rows ? rows.length : count,
  });
  const train = split(raw.train.images, raw.train.labels, trainRows, 0);
  const val = valRows.length ? split(raw.train.images, raw.train.labels, valRows, 0) : null;
  const test = raw.test.count ? split(raw.test.images, raw.test.labels, null, raw.test.count) : null;

  let transfer: ImageSet | null = null;
  let transferLabel = 'none';
  if (spec.transfer) {
    const t = resolveTransfer(spec.transfer, raw, used.rest, readOpts);
    transfer = { x: normalizeRows(t.images, t.rows, per, normalization), count: t.count };
    transferLabel = t.label;
  }
  if (train.count === 0) throw new DatasetError('bad-spec', `no training images left in ${entry.name}`);

  const arrays = [train.x, train.y, val?.x, val?.y, test?.x, test?.y, transfer?.x, trainRows, valRows];
  const bytes = arrays.reduce((sum, a) => sum + (a?.byteLength ?? 0), 0);
  return {
    name: entry.name,
    inputShape: [...shape],
    numClasses: entry.classNames.length,
    classNames: entry.classNames,
    train,
    val,
    test,
    transfer,
    normalization,
    flip: entry.flip,
    rows: { train: trainRows, val: valRows },
    source: { where: raw.where, verified: raw.verified },
    key: `${entry.name}|limit=${limit}|val=${validation}|pre=${preprocess}|transfer=${transferLabel}|seed=${seed}`,
    bytes,
  };
}
