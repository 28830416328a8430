import assert from 'node:assert/strict';
import { test } from 'node:test';
import { datasetEntry, DatasetError, loadDataset, readRawDataset } from '../../src/data';

const NAME = 'synthetic:8x8x1:1000:10c';

test("transfer 'remainder': the training images limit left out, scaled with the training statistics", async () => {
  const ds = await loadDataset(
    { name: NAME, limit: 0.3, validation: 0.1, transfer: 'remainder' },
    { seed: 2 },
  );
  assert.ok(ds.transfer);
  assert.equal(ds.transfer.count, 700);
  assert.equal(ds.transfer.x.length, 700 * 64);
  assert.equal(ds.key, `${NAME}|limit=0.3|val=0.1|pre=standardize|transfer=remainder|seed=2`);
  // The first unused row, scaled like training images.
  const used = new Set([...ds.rows.train, ...ds.rows.val]);
  const first = Array.from({ length: 1000 }, (_, i) => i).find((i) => !used.has(i))!;
  const raw = readRawDataset(datasetEntry(NAME));
  const { offset, divisor } = ds.normalization;
  assert.equal(ds.transfer.x[9], Math.fround((raw.train.images[first * 64 + 9] - offset[0]) / divisor[0]));
  assert.ok(ds.bytes >= ds.train.x.byteLength + ds.transfer.x.byteLength + ds.test!.x.byteLength);
});

test('transfer from another dataset of the same shape (train or test images); a different shape is refused', async () => {
  const other = 'synthetic:8x8x1:300:3c';
  const train = await loadDataset({ name: NAME, limit: 100, transfer: other });
  assert.equal(train.transfer!.count, 300);
  const test = await loadDataset({ name: NAME, limit: 100, transfer: `${other}@test` });
  assert.equal(test.transfer!.count, 60);
  assert.match(test.key, /transfer=synthetic:8x8x1:300:3c@test/);
  await assert.rejects(loadDataset({ name: NAME, transfer: 'synthetic:28x28x1' }), {
    message:
      'transfer dataset synthetic:28x28x1:5000:10c has 28x28x1 images, synthetic:8x8x1:1000:10c has 8x8x1; pick one of the same shape',
  });
});

test("transfer 'remainder' with the whole training set in use is an error that says what to change", async () => {
  await assert.rejects(loadDataset({ name: NAME, transfer: 'remainder' }), (e: unknown) => {
    assert.ok(e instanceof DatasetError && e.code === 'bad-spec');
    assert.match(
      e.message,
      /transfer 'remainder' is empty: limit uses all 1000 .* set limit below 1 or name another dataset/,
    );
    return true;
  });
});
