import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DatasetError, loadDataset } from '../../src/data';

// synthetic:8x8x1:1000:10c — 1000 training images, 100 per class, generated in milliseconds.
const NAME = 'synthetic:8x8x1:1000:10c';

const classCounts = (y: Int32Array, k = 10): number[] => {
  const c = new Array<number>(k).fill(0);
  for (const v of y) c[v]++;
  return c;
};

test('limit as a fraction and as a count; validation is a stratified share of the limited set', async () => {
  const frac = await loadDataset({ name: NAME, limit: 0.3, validation: 0.2 }, { seed: 1 });
  assert.equal(frac.train.count + frac.val!.count, 300);
  assert.equal(frac.val!.count, 60);
  assert.deepEqual(classCounts(frac.train.y), new Array(10).fill(24));
  assert.deepEqual(classCounts(frac.val!.y), new Array(10).fill(6));
  const count = await loadDataset({ name: NAME, limit: 250, validation: 0.1 }, { seed: 1 });
  assert.equal(count.train.count, 225);
  assert.equal(count.val!.count, 25);
  const none = await loadDataset({ name: NAME, validation: 0 }, { seed: 1 });
  assert.equal(none.train.count, 1000);
  assert.equal(none.val, null);
  assert.equal(none.test!.count, 200);
});

test('validation and training rows are disjoint, ascending, and inside the limited subset', async () => {
  const ds = await loadDataset({ name: NAME, limit: 0.5, validation: 0.1 }, { seed: 3 });
  const train = new Set(ds.rows.train);
  assert.ok(ds.rows.val.every((r) => !train.has(r)));
  assert.equal(train.size + ds.rows.val.length, 500);
  for (const rows of [ds.rows.train, ds.rows.val])
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i] > rows[i - 1]);
});

test('same seed → same rows and bytes; another seed → another split', async () => {
  const spec = { name: NAME, limit: 0.2, validation: 0.25 };
  const a = await loadDataset(spec, { seed: 7 });
  const b = await loadDataset(spec, { seed: 7 });
  const c = await loadDataset(spec, { seed: 8 });
  assert.deepEqual(a.rows, b.rows);
  assert.deepEqual(a.train.x, b.train.x);
  assert.equal(a.key, b.key);
  assert.notDeepEqual(a.rows.train, c.rows.train);
  assert.notEqual(a.key, c.key);
  assert.equal(a.key, 'synthetic:8x8x1:1000:10c|limit=0.2|val=0.25|pre=standardize|transfer=none|seed=7');
});

test('impossible limits and validation shares are bad-spec errors that say what to do', async () => {
  const fail = (spec: { limit?: number; validation?: number }) =>
    loadDataset({ name: NAME, ...spec }).then(
      () => assert.fail('expected an error'),
      (e: unknown) => {
        assert.ok(e instanceof DatasetError && e.code === 'bad-spec');
        return e.message;
      },
    );
  assert.equal(
    await fail({ limit: 5000 }),
    'dataset limit 5000 exceeds the 1000 training images of synthetic:8x8x1:1000:10c; use at most 1000 or a fraction',
  );
  assert.equal(
    await fail({ limit: 12.5 }),
    'dataset limit 12.5 must be a fraction ≤ 1 or a whole number of images',
  );
  assert.match(
    await fail({ limit: 1e-6, validation: 0.5 }),
    /validation 0.5 of 1 .* leaves none to train on/,
  );
});
