import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { datasetEntry, readMat, readRawDataset } from '../../src/data';
import { readSvhnSplit } from '../../src/data/svhn';
import { matBytes, tempDir, write, isolated } from './formats';

/** SVHN's layout: X 32x32x3xN column-major (h fastest), y Nx1 double with 10 for digit 0. */
function svhnMat(n: number, labels: number[], compress: boolean): { bytes: Uint8Array; X: Uint8Array } {
  const X = Uint8Array.from({ length: 32 * 32 * 3 * n }, (_, i) => (i * 11 + 3) % 251);
  const bytes = matBytes([
    { name: 'X', dims: [32, 32, 3, n], data: X, compress },
    // MATLAB stores small integer doubles as bytes; the class stays double.
    { name: 'y', dims: [n, 1], data: Uint8Array.from(labels), classDouble: true, compress },
  ]);
  return { bytes, X };
}

for (const compress of [false, true]) {
  test(`SVHN .mat (${compress ? 'compressed' : 'plain'} level 5): column-major X to NHWC, label 10 is digit 0`, (t) => {
    const dir = tempDir(t);
    const train = svhnMat(3, [10, 1, 9], compress);
    write(join(dir, 'train_32x32.mat'), train.bytes);
    write(join(dir, 'test_32x32.mat'), svhnMat(2, [5, 10], compress).bytes);
    const raw = readRawDataset(datasetEntry('svhn'), { ...isolated(dir, { dataDir: dir }), verify: false });
    assert.deepEqual(Array.from(raw.train.labels), [0, 1, 9]);
    assert.deepEqual(Array.from(raw.test.labels), [5, 0]);
    // Image 2, row 4, column 9, blue: X(4, 9, 2, 2) in MATLAB order.
    const matlab = 4 + 32 * 9 + 1024 * 2 + 3072 * 2;
    assert.equal(raw.train.images[2 * 3072 + (4 * 32 + 9) * 3 + 2], train.X[matlab]);
    assert.equal(raw.entry.flip, false);
  });
}

test('MAT reader: doubles stored as doubles, non-wanted variables skipped, v7.3 and big-endian refused', () => {
  const bytes = matBytes([
    { name: 'skipme', dims: [1, 2], data: Float64Array.of(1, 2) },
    { name: 'y', dims: [3, 1], data: Float64Array.of(10, 2.5, -1), compress: true },
  ]);
  const vars = readMat(bytes, 'a.mat', ['y']);
  assert.deepEqual([...vars.keys()], ['y']);
  assert.deepEqual(Array.from(vars.get('y')!.data), [10, 2.5, -1]);
  const v73 = Buffer.from(bytes);
  v73.write('MATLAB 7.3 MAT-file', 0, 'latin1');
  assert.throws(() => readMat(v73, 'a.mat', ['y']), { message: /a.mat: a MATLAB v7.3 \(HDF5\) file/ });
  const big = Buffer.from(bytes);
  big.write('MI', 126, 'latin1');
  assert.throws(() => readMat(big, 'a.mat', ['y']), {
    message: 'a.mat: a big-endian MAT-file; netgrow reads little-endian ones',
  });
  assert.throws(() => readMat(bytes.subarray(0, 200), 'a.mat', ['y']), {
    message: /a.mat: truncated: a data element at byte 128/,
  });
});

test('a damaged SVHN file is named: bad label, missing variable, compressed data that does not inflate', (t) => {
  const dir = tempDir(t);
  const opts = { ...isolated(dir, { dataDir: dir }), verify: false };
  write(join(dir, 'test_32x32.mat'), svhnMat(1, [3], false).bytes);
  const train = join(dir, 'train_32x32.mat');
  write(train, svhnMat(2, [3, 11], false).bytes);
  assert.throws(() => readRawDataset(datasetEntry('svhn'), opts), {
    message: `${train}: label 11 at record 1 is outside 1..10`,
  });
  write(train, matBytes([{ name: 'X', dims: [32, 32, 3, 1], data: new Uint8Array(3072) }]));
  assert.throws(() => readRawDataset(datasetEntry('svhn'), opts), {
    message: `${train}: no numeric variable 'y' (SVHN files hold X and y)`,
  });
  const damaged = Buffer.from(svhnMat(1, [3], true).bytes);
  damaged.fill(0x55, 140, 180);
  write(train, damaged);
  assert.throws(() => readRawDataset(datasetEntry('svhn'), opts), {
    message: /a compressed variable does not inflate/,
  });
});

for (const file of ['svhn-scipy.mat', 'svhn-scipy-z.mat']) {
  test(`a MAT-file written by scipy.io.savemat (${file}) reads as SVHN`, () => {
    const path = join(__dirname, 'fixtures', file);
    const split = readSvhnSplit(readFileSync(path), path);
    assert.equal(split.count, 2);
    assert.deepEqual(Array.from(split.labels), [0, 7]);
    for (const [n, h, w, c] of [
      [0, 0, 0, 0],
      [1, 31, 2, 1],
      [0, 5, 30, 2],
      [1, 17, 9, 0],
    ]) {
      assert.equal(split.images[n * 3072 + (h * 32 + w) * 3 + c], (7 * h + 3 * w + 50 * c + 101 * n) % 256);
    }
  });
}
