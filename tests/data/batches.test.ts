import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentationFor, BatchStream, loadDataset, shiftFlip } from '../../src/data';

/** A split whose every value names its image and position: x[i, j] = i * 1000 + j. */
function numberedSplit(count: number, shape: [number, number, number]) {
  const per = shape[0] * shape[1] * shape[2];
  const x = Float32Array.from({ length: count * per }, (_, k) => Math.floor(k / per) * 1000 + (k % per));
  const y = Int32Array.from({ length: count }, (_, i) => i % 10);
  return { x, y, count, per };
}

/** Batches copied out (the stream reuses its buffers). */
const snapshot = (stream: BatchStream, epoch: number, from = 0) =>
  Array.from(stream.epochBatches(epoch, from), (b) => ({
    index: b.index,
    x: Array.from(b.x),
    y: Array.from(b.y),
    rows: Array.from(b.rows),
  }));

test('each epoch is a seeded permutation; batches carry their rows and labels; the last one is smaller', () => {
  const split = numberedSplit(50, [2, 2, 1]);
  const stream = new BatchStream(split, [2, 2, 1], { batchSize: 16, seed: 5, shuffle: true, augment: false });
  assert.equal(stream.stepsPerEpoch(), 4);
  const batches = snapshot(stream, 0);
  assert.deepEqual(
    batches.map((b) => b.rows.length),
    [16, 16, 16, 2],
  );
  const seen = batches.flatMap((b) => b.rows);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  for (const b of batches) {
    b.rows.forEach((r, i) => {
      assert.equal(b.y[i], r % 10);
      assert.deepEqual(b.x.slice(i * 4, i * 4 + 4), [r * 1000, r * 1000 + 1, r * 1000 + 2, r * 1000 + 3]);
    });
  }
  assert.notDeepEqual(stream.order(0), stream.order(1));
  const unshuffled = new BatchStream(split, [2, 2, 1], {
    batchSize: 16,
    seed: 5,
    shuffle: false,
    augment: false,
  });
  assert.deepEqual(
    snapshot(unshuffled, 3)[0].rows,
    Array.from({ length: 16 }, (_, i) => i),
  );
});

test('a resumed run draws the same batches: epoch k from a fresh stream, and from batch b within it', () => {
  const split = numberedSplit(40, [6, 6, 3]);
  const opts = { batchSize: 8, seed: 11, shuffle: true, augment: { flip: true, crop: 2 } } as const;
  const first = new BatchStream(split, [6, 6, 3], opts);
  const epochs = [0, 1, 2].map((e) => snapshot(first, e));
  const resumed = new BatchStream(split, [6, 6, 3], opts);
  assert.deepEqual(snapshot(resumed, 2), epochs[2]);
  assert.deepEqual(snapshot(resumed, 1, 3), epochs[1].slice(3));
  const otherSeed = new BatchStream(split, [6, 6, 3], { ...opts, seed: 12 });
  assert.notDeepEqual(snapshot(otherSeed, 2), epochs[2]);
});

test('batches reuse one buffer: no copy of the dataset per epoch', () => {
  const split = numberedSplit(30, [2, 2, 1]);
  const stream = new BatchStream(split, [2, 2, 1], { batchSize: 8, seed: 0, shuffle: true, augment: false });
  const buffers = new Set(Array.from(stream.epochBatches(0), (b) => b.x.buffer));
  assert.equal(buffers.size, 1);
  assert.equal([...buffers][0].byteLength, 8 * 4 * 4);
});

test('shiftFlip: shifting fills with zeros, flipping mirrors columns, channels stay together', () => {
  const shape = [3, 3, 2] as const;
  const src = Float32Array.from({ length: 18 }, (_, k) => k + 1); // pixel (y, x) channel c = (y*3+x)*2+c+1
  const out = new Float32Array(18);
  shiftFlip(src, out, shape, 0, 0, false);
  assert.deepEqual(out, src);
  shiftFlip(src, out, shape, 1, 0, false); // out row y reads row y+1; the last row is padding
  assert.deepEqual(Array.from(out), [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 0, 0, 0, 0, 0, 0]);
  shiftFlip(src, out, shape, 0, 0, true);
  assert.deepEqual(Array.from(out.subarray(0, 6)), [5, 6, 3, 4, 1, 2]);
  shiftFlip(src, out, shape, 0, -1, false); // out column x reads column x-1
  assert.deepEqual(Array.from(out.subarray(0, 6)), [0, 0, 1, 2, 3, 4]);
});

test('augmentation keeps the shape, shifts by at most `crop`, and flips only where the dataset allows', async () => {
  const digits = await loadDataset({ name: 'synthetic:12x12x1:200:10c', validation: 0 });
  assert.equal(digits.flip, false);
  assert.deepEqual(augmentationFor(digits), { flip: false, crop: 4 });
  const shape = [12, 12, 1] as const;
  const split = numberedSplit(64, [12, 12, 1]);
  const mirrored = (opts: { flip: boolean; crop: number }) => {
    const stream = new BatchStream(split, shape, { batchSize: 64, seed: 2, shuffle: false, augment: opts });
    const [batch] = stream.epochBatches(0);
    assert.equal(batch.x.length, 64 * 144);
    let flips = 0;
    for (let i = 0; i < 64; i++) {
      const img = batch.x.subarray(i * 144, (i + 1) * 144);
      // Any surviving pixel tells the shift: value i*1000 + (sy*12 + sx) at output (y, x).
      const k = img.findIndex((v) => v !== 0);
      const j = img[k] - i * 1000;
      const [sy, sx, y, x] = [Math.floor(j / 12), j % 12, Math.floor(k / 12), k % 12];
      assert.ok(Math.abs(sy - y) <= opts.crop, `row shift ${sy - y}`);
      const next = img[k + 1] - i * 1000;
      if (x < 11 && img[k + 1] !== 0 && next === j - 1) flips++;
      else assert.ok(Math.abs(sx - x) <= opts.crop, `column shift ${sx - x}`);
    }
    return flips;
  };
  assert.equal(mirrored({ flip: false, crop: 4 }), 0);
  const flips = mirrored({ flip: true, crop: 4 });
  assert.ok(flips > 16 && flips < 48, `about half flipped, saw ${flips}/64`);
});
