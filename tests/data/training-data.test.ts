import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTrainingData } from '../../src/data';
import { stepsPerEpoch, TrainingData } from '../../src/train/data';

test('loadTrainingData gives the training loop its TrainingData: splits, key, seeded batches with rows', async () => {
  const spec = { seed: 3, dataset: { name: 'synthetic:8x8x1:300:3c', validation: 0.2, augment: true } };
  const data: TrainingData = await loadTrainingData(spec);
  assert.equal(data.train.count, 240);
  assert.equal(data.val!.count, 60);
  assert.equal(stepsPerEpoch(data, 64), 4);
  const again: TrainingData = await loadTrainingData(spec);
  const epoch = (d: TrainingData) =>
    Array.from(d.epochBatches(2, 64), (b) => [Array.from(b.rows), Array.from(b.x)]);
  assert.deepEqual(epoch(data), epoch(again));
  for (const b of data.epochBatches(0, 64)) b.rows.forEach((r, i) => assert.equal(b.y[i], data.train.y[r]));
  assert.equal(data.key, 'synthetic:8x8x1:300:3c|limit=1|val=0.2|pre=standardize|transfer=none|seed=3');
});
