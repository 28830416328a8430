/**
 * netgrow's kernels on the `tensorflow` backend (src/backend/tensorflow-kernels.ts) against the
 * cpu backend, the reference: max pooling forward and gradient through oneDNN's ops (valid and
 * same, overlapping windows, odd sizes, batch 1, and ties: after a ReLU most windows hold equal
 * zeros, and the gradient must go to one position only, TensorFlow's first), the ReLU mask, and
 * the same-dtype Cast that shares its input. Exact equality where the maths is a selection,
 * 1e-6 for the rest. Skipped, with the reason, where the tensorflow backend is not built.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { loadNative } from '../../src/backend/native';
import { tf } from '../../src/backend/tf';
import { oneDnnPoolingActive } from '../../src/backend/tensorflow-kernels';
import { Rng } from '../../src/graph';
import { skipWhen } from '../support/skip';

const native = loadNative();
const skip = skipWhen('no-native', 'why' in native ? native.why : null);

/** Runs `f` on `backend` with fresh tensors from plain arrays; returns plain arrays. */
async function on(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(f).map((t) => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return Float32Array.from(v);
  });
}

function pooling(
  shape: [number, number, number, number],
  filter: number,
  stride: number,
  pad: 'valid' | 'same',
  x: Float32Array,
) {
  return () => {
    const input = tf.tensor4d(x, shape);
    const y = tf.maxPool(input, filter, stride, pad);
    const dy = tf.tensor(
      Float32Array.from({ length: y.size }, (_, i) => 1 + (i % 7)),
      y.shape,
    );
    const dx = tf.grad((t: tf.Tensor) => tf.mul(tf.maxPool(t as tf.Tensor4D, filter, stride, pad), dy).sum())(
      input,
    );
    return [y, dx];
  };
}

describe('tensorflow kernels', { skip }, () => {
  before(async () => {
    await initBackend({ prefer: 'tensorflow', log: () => undefined });
  });

  const rng = new Rng(7);
  const cases: Array<[string, [number, number, number, number], number, number, 'valid' | 'same']> = [
    ['2x2/2 valid (every builtin)', [4, 28, 28, 6], 2, 2, 'valid'],
    ['3x3/2 same, overlapping, odd size', [2, 13, 11, 5], 3, 2, 'same'],
    ['3x3/1 valid, batch 1', [1, 9, 9, 3], 3, 1, 'valid'],
    ['2x2/2 valid, odd size', [3, 7, 9, 16], 2, 2, 'valid'],
  ];
  for (const [name, shape, filter, stride, pad] of cases) {
    test(`max pooling and its gradient: ${name}`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const random = Float32Array.from({ length: n }, () => rng.normal());
      // A ReLU's output: about half the values are exactly 0, so many windows tie.
      const relu = random.map((v) => Math.max(0, v));
      const constant = new Float32Array(n).fill(0.5);
      for (const x of [random, relu, constant]) {
        const [y, dx] = await on('tensorflow', pooling(shape, filter, stride, pad, x));
        const [yRef, dxRef] = await on('cpu', pooling(shape, filter, stride, pad, x));
        assert.deepEqual(y, yRef, 'forward');
        assert.deepEqual(dx, dxRef, 'gradient: every dy to one position of its window, the first maximum');
      }
      assert.ok(oneDnnPoolingActive(), "oneDNN's pooling ran (no fallback to the stock kernels)");
    });
  }

  test('the ReLU gradient mask and a same-dtype cast', async () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? 0 : rng.normal()));
    const weights = Float32Array.from({ length: 64 }, (_, i) => 1 + i / 64);
    const f = () => {
      const t = tf.tensor1d(x);
      const g = tf.grad((v: tf.Tensor) => tf.relu(v).mul(tf.tensor1d(weights)).sum())(t);
      return [g, tf.cast(t, 'float32'), tf.cast(tf.greater(t, 0), 'float32')];
    };
    const got = await on('tensorflow', f);
    const want = await on('cpu', f);
    for (let i = 0; i < got.length; i++)
      for (let j = 0; j < got[i].length; j++)
        assert.ok(
          Math.abs(got[i][j] - want[i][j]) <= 1e-6,
          `output ${i}[${j}]: ${got[i][j]} vs ${want[i][j]}`,
        );
    // A shared cast keeps its values once the tensor it came from is gone.
    await tf.setBackend('tensorflow');
    const t = tf.tensor1d(x);
    const c = tf.cast(t, 'float32');
    t.dispose();
    assert.deepEqual(Float32Array.from(c.dataSync()), x);
    c.dispose();
  });
});
