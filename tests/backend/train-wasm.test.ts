import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { builtin, initWeights, Rng } from '../../src/graph';
import { buildModel } from '../../src/model/build';
import { tf } from '../../src/backend/tf';

before(async () => {
  const info = await initBackend({ prefer: 'wasm', log: () => undefined });
  assert.equal(info.name, 'wasm');
  assert.equal(info.kernels, 'fast');
});

/** Losses of `steps` optimizer steps on one fixed, learnable batch (labels from a fixed pattern). */
function fit(arch: string, batch: number, steps: number, opt: tf.Optimizer): number[] {
  const g = builtin(arch);
  const rng = new Rng(11);
  const model = buildModel(g, initWeights(g, rng), { logits: true });
  const y = Int32Array.from({ length: batch }, (_, i) => i % 10);
  // Each class lights up its own band of rows, plus noise: a convnet separates it at once.
  const x = new Float32Array(batch * 784);
  for (let i = 0; i < batch; i++)
    for (let p = 0; p < 784; p++)
      x[i * 784 + p] = rng.normal() * 0.3 + (Math.floor(p / 28 / 2.8) === y[i] ? 1 : 0);
  const xs = tf.tensor4d(x, [batch, 28, 28, 1]);
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor),
      true,
    )!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  tf.dispose([xs, ys]);
  opt.dispose();
  model.dispose();
  return losses;
}

describe('convnets train on the wasm backend', () => {
  test('lenet: the loss falls', () => {
    const losses = fit('lenet', 32, 12, tf.train.momentum(0.05, 0.9));
    assert.ok(losses.every(Number.isFinite), `finite losses: ${losses}`);
    assert.ok(
      losses[losses.length - 1] < 0.5 * losses[0],
      `loss ${losses[0].toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`,
    );
  });

  test('vgg8: the loss falls', () => {
    // Eight plain convolutions without batch norm start slowly under SGD; Adam moves at once.
    const losses = fit('vgg8', 8, 14, tf.train.adam(1e-3));
    assert.ok(losses.every(Number.isFinite), `finite losses: ${losses}`);
    assert.ok(
      losses[losses.length - 1] < 0.8 * losses[0],
      `loss ${losses[0].toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`,
    );
  });
});
