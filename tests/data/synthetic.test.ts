import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchStream, datasetEntry, loadDataset, readRawDataset } from '../../src/data';
import { tf, tfl } from '../../src/backend/tf';

test('synthetic data is the same bytes every time, whatever the run seed', async () => {
  const a = readRawDataset(datasetEntry('synthetic:10x10x3:300:5c'));
  const b = readRawDataset(datasetEntry('synthetic:5c:300:10x10x3'));
  assert.deepEqual(a.train.images, b.train.images);
  assert.deepEqual(a.test.labels, b.test.labels);
  const s1 = await loadDataset({ name: 'synthetic:10x10x3:300:5c', validation: 0 }, { seed: 1 });
  const s2 = await loadDataset({ name: 'synthetic:10x10x3:300:5c', validation: 0 }, { seed: 2 });
  assert.deepEqual(s1.train.x, s2.train.x);
});

test('synthetic names: defaults, shape / size / classes options in any order, canonical names', () => {
  const d = datasetEntry('synthetic');
  assert.equal(d.name, 'synthetic:28x28x1:5000:10c');
  assert.deepEqual(d.inputShape, [28, 28, 1]);
  assert.equal(d.classNames.length, 10);
  const e = datasetEntry('synthetic:5c:32x32x3:2000');
  assert.equal(e.name, 'synthetic:32x32x3:2000:5c');
  assert.throws(() => datasetEntry('synthetic:big'), {
    message:
      "bad synthetic dataset name 'synthetic:big': 'big' is none of HxWxC, N (training images) or Kc (classes) (e.g. synthetic:32x32x3:2000:5c)",
  });
  assert.throws(() => datasetEntry('synthetic:3:10c'), /training images must be 10..1000000/);
});

test('classes are balanced and separable: nearest class mean beats chance by far on the test split', () => {
  const raw = readRawDataset(datasetEntry('synthetic:8x8x1:500:5c'));
  const counts = new Array(5).fill(0);
  for (const y of raw.train.labels) counts[y]++;
  assert.deepEqual(counts, [100, 100, 100, 100, 100]);
  assert.equal(raw.test.count, 100);
  const means = Array.from({ length: 5 }, () => new Float64Array(64));
  raw.train.labels.forEach((y, i) => {
    for (let j = 0; j < 64; j++) means[y][j] += raw.train.images[i * 64 + j] / 100;
  });
  let right = 0;
  for (let i = 0; i < raw.test.count; i++) {
    const dist = means.map((m) => m.reduce((s, v, j) => s + (v - raw.test.images[i * 64 + j]) ** 2, 0));
    if (dist.indexOf(Math.min(...dist)) === raw.test.labels[i]) right++;
  }
  console.log(`synthetic 8x8x1 5 classes: nearest class mean ${right}/100 right on test`);
  assert.ok(right >= 80, `${right}/100`);
});

test('learnable: a small convnet on synthetic data cuts its loss within a few dozen steps (cpu backend)', async () => {
  await tf.setBackend('cpu');
  const ds = await loadDataset({ name: 'synthetic', limit: 1200, validation: 0 }, { seed: 0 });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.maxPooling2d({ poolSize: 4 }),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 10,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  const stream = new BatchStream(ds.train, ds.inputShape, {
    batchSize: 32,
    seed: 0,
    shuffle: true,
    augment: false,
  });
  const losses: number[] = [];
  for (const batch of stream.epochBatches(0)) {
    if (losses.length === 30) break;
    const x = tf.tensor4d(batch.x, [batch.size, 28, 28, 1]);
    const y = tf.tensor1d(batch.y, 'float32');
    losses.push((await model.trainOnBatch(x, y)) as number);
    tf.dispose([x, y]);
  }
  const head = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
  const tail = losses.slice(-5).reduce((a, b) => a + b) / 5;
  console.log(
    `synthetic convnet loss: first 3 steps ${head.toFixed(3)}, last 5 of 30 steps ${tail.toFixed(3)}`,
  );
  assert.ok(tail < 0.5 * head, `loss fell from ${head} to ${tail}`);
  model.dispose();
});
