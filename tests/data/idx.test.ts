import assert from 'node:assert/strict';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { datasetEntry, DatasetError, loadDataset, parseIdx, readRawDataset } from '../../src/data';
import { idxBytes, isolated, tempDir, write, writeIdxDataset } from './formats';

test('gzip IDX files round trip: every pixel and label where it was written', (t) => {
  const dir = tempDir(t);
  const written = writeIdxDataset(join(dir, 'mnist'), { train: 30, test: 12 });
  const raw = readRawDataset(datasetEntry('mnist'), { ...isolated(dir, { dataDir: dir }), verify: false });
  assert.equal(raw.where, join(dir, 'mnist'));
  assert.equal(raw.verified, 'structure');
  assert.deepEqual(raw.train.images, written.train.images);
  assert.deepEqual(Array.from(raw.train.labels), Array.from(written.train.labels));
  assert.deepEqual(raw.test.images, written.test.images);
  assert.deepEqual(Array.from(raw.test.labels), Array.from(written.test.labels));
});

test('un-gzipped IDX files and the dotted names (train-images.idx3-ubyte) load the same', (t) => {
  const dir = tempDir(t);
  const written = writeIdxDataset(dir, { train: 20, test: 10, gzip: false });
  renameSync(join(dir, 'train-images-idx3-ubyte'), join(dir, 'train-images.idx3-ubyte'));
  const raw = readRawDataset(datasetEntry('mnist'), { ...isolated(dir, { dataDir: dir }), verify: false });
  assert.deepEqual(raw.train.images, written.train.images);
  assert.equal(raw.test.count, 10);
});

test('loadDataset on IDX files: preprocess none is pixel / 255', async (t) => {
  const dir = tempDir(t);
  const written = writeIdxDataset(dir, { train: 20, test: 10 });
  const ds = await loadDataset(
    { name: 'mnist', validation: 0, preprocess: 'none', dataDir: dir },
    { ...isolated(dir), verify: false },
  );
  assert.deepEqual(ds.inputShape, [28, 28, 1]);
  assert.equal(ds.train.count, 20);
  assert.ok(ds.test);
  assert.equal(ds.test.x[100], Math.fround(written.test.images[100] / 255));
  assert.equal(ds.train.x[784 * 3 + 5], Math.fround(written.train.images[784 * 3 + 5] / 255));
});

test('IDX header damage is named: truncated data, wrong type, extra bytes, not IDX at all', () => {
  const good = idxBytes([2, 3, 3], new Uint8Array(18).fill(1));
  assert.throws(() => parseIdx(good.subarray(0, good.length - 4), 'f.idx'), {
    message: 'f.idx: truncated: the header says 2x3x3 (18 bytes of data), the file holds 14',
  });
  const float = good.slice();
  float[2] = 0x0d;
  assert.throws(() => parseIdx(float, 'f.idx'), /IDX data type float32; netgrow reads unsigned-byte/);
  const extra = new Uint8Array(good.length + 3);
  extra.set(good);
  assert.throws(() => parseIdx(extra, 'f.idx'), /3 unexpected bytes after the 2x3x3 data/);
  assert.throws(() => parseIdx(Buffer.from('hello world'), 'f.idx'), /f.idx: not an IDX file/);
});

test('a truncated .gz, wrong image size and label/image count mismatch are clear errors naming the file', (t) => {
  const dir = tempDir(t);
  writeIdxDataset(dir, { train: 20, test: 10 });
  const opts = { ...isolated(dir, { dataDir: dir }), verify: false };
  const labels = join(dir, 't10k-labels-idx1-ubyte.gz');
  const gz = readFileSync(labels);
  write(labels, gz.subarray(0, gz.length - 10));
  assert.throws(
    () => readRawDataset(datasetEntry('mnist'), opts),
    (e: Error) => {
      assert.ok(e instanceof DatasetError && e.code === 'corrupt');
      assert.match(e.message, new RegExp(`^${labels}: not a complete gzip stream`));
      return true;
    },
  );
  write(labels, gzipSync(idxBytes([9], new Uint8Array(9))));
  assert.throws(() => readRawDataset(datasetEntry('mnist'), opts), {
    message: `${labels}: 9 labels for the 10 images of ${join(dir, 't10k-images-idx3-ubyte.gz')}`,
  });
  write(labels, gzipSync(idxBytes([10], new Uint8Array(10).fill(12))));
  assert.throws(() => readRawDataset(datasetEntry('mnist'), opts), /label 12 at record 0 is outside 0..9/);
  writeIdxDataset(dir, { train: 20, test: 10, side: 32 });
  assert.throws(() => readRawDataset(datasetEntry('mnist'), opts), /images are 20x32x32, mnist has Nx28x28/);
});

test('with verification on (the default) a cut-down copy is refused with the expected size', (t) => {
  const dir = tempDir(t);
  writeIdxDataset(dir, { train: 20, test: 10 });
  assert.throws(() => readRawDataset(datasetEntry('mnist'), isolated(dir, { dataDir: dir })), {
    message: `${join(dir, 'train-images-idx3-ubyte.gz')}: 15696 bytes of IDX data, expected 47040016; the file is truncated or another file`,
  });
});
