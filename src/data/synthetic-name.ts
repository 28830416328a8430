/**
 * The synthetic family's names: `synthetic` alone, or followed by `:`-separated options in any
 * order — `HxWxC` (image shape), `N` (training images; the test split gets N/5) and `Kc`
 * (classes). `synthetic:32x32x3:2000:5c` is 2000+400 colour images of 5 classes. The canonical
 * name spells every option, so equal data always has an equal name.
 */
import { DatasetError } from './errors';

export interface SyntheticParams {
  name: string;
  shape: [number, number, number];
  classes: number;
  train: number;
  test: number;
}

export const SYNTHETIC_DEFAULTS = {
  shape: [28, 28, 1] as [number, number, number],
  classes: 10,
  train: 5000,
};

/** The most pixel values a synthetic set may hold, its test split included (4 GiB as float32). */
export const MAX_SYNTHETIC_VALUES = 2 ** 30;

export function parseSyntheticName(name: string): SyntheticParams {
  const [head, ...options] = name.split(':');
  if (head !== 'synthetic') throw bad(name, `it must start with 'synthetic'`);
  let shape = SYNTHETIC_DEFAULTS.shape;
  let classes = SYNTHETIC_DEFAULTS.classes;
  let train = SYNTHETIC_DEFAULTS.train;
  for (const option of options) {
    const dims = /^(\d+)x(\d+)x(\d+)$/.exec(option);
    const k = /^(\d+)c$/.exec(option);
    if (dims) {
      shape = [Number(dims[1]), Number(dims[2]), Number(dims[3])];
      if (shape[0] < 4 || shape[1] < 4 || shape[0] > 512 || shape[1] > 512 || shape[2] < 1 || shape[2] > 4) {
        throw bad(name, `shape ${option} is out of range (height and width 4..512, channels 1..4)`);
      }
    } else if (k) {
      classes = Number(k[1]);
      if (classes < 2 || classes > 1000) throw bad(name, `classes must be 2..1000, received ${classes}`);
    } else if (/^\d+$/.test(option)) {
      train = Number(option);
    } else {
      throw bad(name, `'${option}' is none of HxWxC, N (training images) or Kc (classes)`);
    }
  }
  if (train < classes || train > 1_000_000) {
    throw bad(
      name,
      `training images must be ${classes}..1000000 (at least one per class), received ${train}`,
    );
  }
  const test = Math.max(classes, Math.round(train / 5));
  const values = (train + test) * shape[0] * shape[1] * shape[2];
  if (values > MAX_SYNTHETIC_VALUES) {
    throw bad(
      name,
      `${train + test} images of ${shape.join('x')} are ${values.toExponential(2)} values, over the limit of ${MAX_SYNTHETIC_VALUES.toLocaleString('en-US')} (4 GiB as float32); use fewer or smaller images`,
    );
  }
  return { name: `synthetic:${shape.join('x')}:${train}:${classes}c`, shape, classes, train, test };
}

const bad = (name: string, why: string): DatasetError =>
  new DatasetError(
    'unknown',
    `bad synthetic dataset name '${name}': ${why} (e.g. synthetic:32x32x3:2000:5c)`,
  );
