/**
 * No tensor leaks: the live tensor count after epoch 2 equals the count after epoch 10, for a
 * plain run and for one that exercises every optional path (Adam, clipping, L2, distillation
 * with transfer images, cosine schedule).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { tf } from '../../src/model';
import { runTraining } from '../../src/train/run';
import { TrainSpecInput } from '../../src/contracts/train';
import { patternData, startCheckpoint, tempDir, tinyNet } from './fixtures';
import { useTestBackend } from '../support/backend';

before(async () => {
  await useTestBackend();
});

async function tensorsAfterEpochs(spec: TrainSpecInput, transfer = 0): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  await runTraining(spec, {
    data: patternData({ train: 64, transfer }),
    log: () => {},
    onProgress: (p) => {
      if (p.epochDone) counts.set(p.epoch, tf.memory().numTensors);
    },
  });
  return counts;
}

test('live tensors after epoch 2 == after epoch 10 (SGD, Nesterov, plateau)', async () => {
  const dir = tempDir('leaks');
  const counts = await tensorsAfterEpochs({
    runId: 'leaks',
    checkpoint: await startCheckpoint(dir),
    output: join(dir, 'run'),
    epochs: 10,
    batchSize: 16,
    optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9, nesterov: true },
    schedule: { kind: 'plateau', patience: 1 },
    earlyStopping: { patience: 0 },
    logEverySteps: 2,
  });
  assert.equal(counts.size, 10);
  assert.equal(counts.get(10), counts.get(2), `epoch 2: ${counts.get(2)}, epoch 10: ${counts.get(10)}`);
});

test('live tensors after epoch 2 == after epoch 10 (Adam, clipping, L2, distillation with transfer)', async () => {
  const dir = tempDir('leaks-kd');
  const teacher = await startCheckpoint(join(dir, 'teacher'), tinyNet(6, 24), 5);
  const counts = await tensorsAfterEpochs(
    {
      runId: 'leaks-kd',
      checkpoint: await startCheckpoint(dir),
      output: join(dir, 'run'),
      epochs: 10,
      batchSize: 16,
      optimizer: { kind: 'adam', lr: 0.003 },
      schedule: { kind: 'cosine' },
      earlyStopping: { patience: 0 },
      l2: 1e-4,
      clipNorm: 1,
      distill: { enabled: true, teacher, temperature: 3, alpha: 0.5 },
    },
    32,
  );
  assert.equal(counts.size, 10);
  assert.equal(counts.get(10), counts.get(2), `epoch 2: ${counts.get(2)}, epoch 10: ${counts.get(10)}`);
});
