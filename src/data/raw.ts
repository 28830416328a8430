/**
 * A dataset as read from its files, before any split or scaling: NHWC uint8 pixels and integer
 * labels. Kept as bytes (a quarter of float32) until the split is known, so that only the images
 * a run uses are ever turned into floats.
 */
import { DatasetEntry } from './registry';

export interface RawSplit {
  /** `count` images, NHWC, row-major, 0..255. */
  images: Uint8Array;
  labels: Int32Array;
  count: number;
}

/** How far the bytes were checked: against pinned sha256 digests, or only their structure. */
export type Verification = 'sha256' | 'structure' | 'generated';

export interface RawDataset {
  entry: DatasetEntry;
  train: RawSplit;
  test: RawSplit;
  /** The folder (or file) it was read from; `generated` for synthetic data. */
  where: string;
  verified: Verification;
}

/** The weaker of two verification levels: a dataset is only as verified as its least-checked file. */
export const weakest = (levels: Verification[]): Verification =>
  levels.includes('structure') ? 'structure' : levels.includes('sha256') ? 'sha256' : 'generated';

/** Labels must index the entry's classes; a label outside is a damaged or foreign file. */
export function badLabel(labels: Int32Array, classes: number): string | null {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= classes) {
      return `label ${labels[i]} at record ${i} is outside 0..${classes - 1}; the file is damaged or belongs to another dataset`;
    }
  }
  return null;
}
