import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCount, formatEpochLine, formatModelSummary, modelSummaryMarkdown } from '../../src/log';

test('the epoch line shows every metric, and lines of one run align', () => {
  const line = formatEpochLine(
    {
      epoch: 3,
      loss: 0.41234,
      acc: 0.85123,
      valLoss: 0.441,
      valAcc: 0.842,
      lr: 0.05,
      samplesPerSec: 1234.4,
      seconds: 12.34,
    },
    10,
  );
  assert.equal(
    line,
    'epoch  3/10  loss 0.4123  acc 0.8512  val_loss 0.4410  val_acc 0.8420  lr 5.00e-2    1234 samples/s   12.3s',
  );
  const diverged = formatEpochLine(
    {
      epoch: 10,
      loss: NaN,
      acc: 0.1,
      valLoss: null,
      valAcc: null,
      lr: 0.005,
      samplesPerSec: 98765,
      seconds: 125,
    },
    10,
  );
  assert.equal(
    diverged,
    'epoch 10/10  loss nan  acc 0.1000  val_loss -  val_acc -  lr 5.00e-3   98765 samples/s   2m05s',
  );
});

test('the model summary is an aligned table with totals', () => {
  const table = formatModelSummary([
    { id: 'input', kind: 'input', outputShape: [28, 28, 1], params: 0, flops: 0 },
    { id: 'conv1', kind: 'conv2d', outputShape: [28, 28, 64], params: 640, flops: 903_168 },
    { id: 'fc1', kind: 'dense', outputShape: [10], params: 1_254_410, flops: 2_508_800 },
  ]);
  assert.equal(
    table,
    [
      'layer             kind    output           params    FLOPs',
      '----------------------------------------------------------',
      'input             input   (28, 28, 1)           0        0',
      'conv1             conv2d  (28, 28, 64)        640  903.17K',
      'fc1               dense   (10)          1,254,410    2.51M',
      '----------------------------------------------------------',
      'total (3 layers)                        1,255,050    3.41M',
    ].join('\n'),
  );
  assert.match(modelSummaryMarkdown([]), /^```\nlayer/);
  assert.equal(formatCount(5.6e9), '5.60G');
  assert.equal(formatCount(999), '999');
});
