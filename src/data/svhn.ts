/**
 * SVHN cropped digits (format 2): `train_32x32.mat` and `test_32x32.mat`, X 32x32x3xN uint8 in
 * MATLAB's column-major order, y Nx1 with 1..10 where 10 stands for the digit 0.
 * See http://ufldl.stanford.edu/housenumbers/.
 */
import { readFileSync } from 'node:fs';
import { corrupt, requirePin } from './integrity';
import { readMat } from './mat';
import { RawDataset, RawSplit } from './raw';
import { DatasetEntry, MatSource } from './registry';

export function readSvhnSplit(bytes: Uint8Array, path: string): RawSplit {
  const vars = readMat(bytes, path, ['X', 'y']);
  const X = vars.get('X');
  const y = vars.get('y');
  if (!X || !y) throw corrupt(path, `no numeric variable ${X ? "'y'" : "'X'"} (SVHN files hold X and y)`);
  const [h, w, c, n] = X.dims;
  if (X.dims.length !== 4 || h !== 32 || w !== 32 || c !== 3 || !(X.data instanceof Uint8Array)) {
    throw corrupt(
      path,
      `X is ${X.dims.join('x')} ${X.data instanceof Uint8Array ? 'uint8' : 'non-uint8'}, SVHN's is 32x32x3xN uint8`,
    );
  }
  if (y.data.length !== n) throw corrupt(path, `${y.data.length} labels for ${n} images`);
  const images = new Uint8Array(n * h * w * c);
  const src = X.data;
  // Column-major (h fastest, then w, c, n) to NHWC.
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      for (let col = 0; col < w; col++) {
        const from = i * h * w * c + ch * h * w + col * h;
        for (let row = 0; row < h; row++) images[i * h * w * c + (row * w + col) * c + ch] = src[from + row];
      }
    }
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y.data[i];
    if (!Number.isInteger(v) || v < 1 || v > 10)
      throw corrupt(path, `label ${v} at record ${i} is outside 1..10`);
    labels[i] = v === 10 ? 0 : v;
  }
  return { images, labels, count: n };
}

export function readSvhnDataset(
  entry: DatasetEntry,
  paths: { train: string; test: string },
  where: string,
  verify: boolean,
): RawDataset {
  const source = entry.source as MatSource;
  const read = (key: 'train' | 'test'): RawSplit => {
    const bytes = readFileSync(paths[key]);
    if (verify) requirePin(bytes, source[key], paths[key]);
    return readSvhnSplit(bytes, paths[key]);
  };
  return {
    entry,
    train: read('train'),
    test: read('test'),
    where,
    verified: verify ? 'sha256' : 'structure',
  };
}
