import assert from 'node:assert/strict';
import { test } from 'node:test';
import { datasetEntry, loadDataset, normalizeImage, readRawDataset } from '../../src/data';

const NAME = 'synthetic:6x6x3:400:4c';

/** Mean and (population) std of one channel of a float NHWC array. */
function channelStats(x: Float32Array, c: number, channels: number): [number, number] {
  let s = 0;
  let q = 0;
  let n = 0;
  for (let i = c; i < x.length; i += channels, n++) {
    s += x[i];
    q += x[i] * x[i];
  }
  return [s / n, Math.sqrt(q / n - (s / n) ** 2)];
}

test('standardize: per-channel mean 0 / std 1 on the training split; val and test use its numbers', async () => {
  const ds = await loadDataset({ name: NAME, validation: 0.25, preprocess: 'standardize' }, { seed: 4 });
  assert.equal(ds.normalization.offset.length, 3);
  for (let c = 0; c < 3; c++) {
    const [mean, std] = channelStats(ds.train.x, c, 3);
    assert.ok(Math.abs(mean) < 1e-4 && Math.abs(std - 1) < 1e-4, `channel ${c}: ${mean}, ${std}`);
  }
  const raw = readRawDataset(datasetEntry(NAME));
  const { offset, divisor } = ds.normalization;
  const j = 5 * 108 + 17; // image 5, value 17 (channel 2)
  assert.equal(ds.test!.x[j], Math.fround((raw.test.images[j] - offset[2]) / divisor[2]));
  const v = ds.rows.val[3];
  assert.equal(ds.val!.x[3 * 108 + 1], Math.fround((raw.train.images[v * 108 + 1] - offset[1]) / divisor[1]));
  // Statistics from training rows only: the validation rows do not move them.
  const pixels = (rows: Int32Array) =>
    Float32Array.from(
      Array.from(rows).flatMap((r) => Array.from(raw.train.images.subarray(r * 108, r * 108 + 108))),
    );
  const trainOnly = channelStats(pixels(ds.rows.train), 0, 3);
  assert.ok(Math.abs(trainOnly[0] - offset[0]) < 1e-3 && Math.abs(trainOnly[1] - divisor[0]) < 1e-3);
  const withVal = channelStats(pixels(Int32Array.from([...ds.rows.train, ...ds.rows.val])), 0, 3);
  assert.ok(Math.abs(withVal[0] - offset[0]) > 1e-3, 'validation images would have moved the mean');
});

test('seed: the mean training image is subtracted and the result divided by 128', async () => {
  const ds = await loadDataset({ name: NAME, validation: 0.25, preprocess: 'seed' }, { seed: 4 });
  assert.equal(ds.normalization.offset.length, 108);
  assert.deepEqual(Array.from(ds.normalization.divisor), [128]);
  const raw = readRawDataset(datasetEntry(NAME));
  const p = 40;
  const mean = ds.rows.train.reduce((s, r) => s + raw.train.images[r * 108 + p], 0) / ds.rows.train.length;
  assert.ok(Math.abs(ds.normalization.offset[p] - mean) < 1e-4);
  let sum = 0;
  for (let i = 0; i < ds.train.count; i++) sum += ds.train.x[i * 108 + p];
  assert.ok(Math.abs(sum / ds.train.count) < 1e-5, 'every pixel position averages 0 over the training split');
  assert.equal(ds.test!.x[p], Math.fround((raw.test.images[p] - ds.normalization.offset[p]) / 128));
});

test('none: pixels / 255 in [0, 1]; normalizeImage prepares a new image the same way', async () => {
  const ds = await loadDataset({ name: NAME, validation: 0, preprocess: 'none' });
  assert.ok(ds.train.x.every((v) => v >= 0 && v <= 1));
  const raw = readRawDataset(datasetEntry(NAME));
  const img = raw.test.images.subarray(108, 216);
  assert.deepEqual(normalizeImage(img, ds.normalization), ds.test!.x.subarray(108, 216));
  const std = await loadDataset({ name: NAME, validation: 0, preprocess: 'standardize' });
  assert.deepEqual(normalizeImage(img, std.normalization), std.test!.x.subarray(108, 216));
});
