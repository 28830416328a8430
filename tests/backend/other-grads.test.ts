/** netgrow's MaxPoolGrad, untransposed BatchMatMul and block-copy Tile on wasm against cpu. */
import { describe, test } from 'node:test';
import { Rng } from '../../src/graph';
import { tf } from '../../src/backend/tf';
import { assertClose, onWasmAndCpu } from './compare';

const fill = (n: number, r: Rng) => Float32Array.from({ length: n }, () => r.normal());

describe('max-pool gradient on wasm matches cpu', () => {
  const cases = [
    { shape: [2, 28, 28, 6], pool: 2, stride: 2, pad: 'valid' as const },
    { shape: [1, 7, 9, 3], pool: 2, stride: 2, pad: 'same' as const }, // odd sizes, padded edge
    { shape: [2, 8, 8, 4], pool: 3, stride: 2, pad: 'same' as const }, // overlapping windows
    { shape: [3, 5, 5, 2], pool: 3, stride: 1, pad: 'valid' as const },
  ];
  for (const c of cases) {
    test(`${c.shape.join('x')} pool ${c.pool} stride ${c.stride} ${c.pad}`, async () => {
      const r = new Rng(c.shape[1] * 7 + c.pool);
      // Distinct values: ties would make "which maximum" a legitimate difference.
      const x = fill(
        c.shape.reduce((a, b) => a * b, 1),
        r,
      );
      const [[got], [ref]] = await onWasmAndCpu(() =>
        tf.tidy(() => {
          const t = tf.tensor4d(x, c.shape as [number, number, number, number]);
          const g = tf.grad((a: tf.Tensor) =>
            tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.pool, c.stride, c.pad), 1.5)),
          )(t);
          return [g.dataSync() as Float32Array];
        }),
      );
      assertClose([got], [ref], 1e-6);
    });
  }
});

describe('dense-layer gradients (transposed BatchMatMul) on wasm match cpu', () => {
  for (const [n, i, o] of [
    [64, 400, 120],
    [1, 7, 3],
    [5, 33, 17],
  ]) {
    test(`${n}x${i} · ${i}x${o}`, async () => {
      const r = new Rng(n + i + o);
      const x = fill(n * i, r);
      const w = fill(i * o, r);
      const dy = fill(n * o, r);
      const [got, ref] = await onWasmAndCpu(() =>
        tf.tidy(() => {
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), tf.tensor2d(dy, [n, o]))),
          )([tf.tensor2d(x, [n, i]), tf.tensor2d(w, [i, o])]);
          return g.map((t) => t.dataSync() as Float32Array);
        }),
      );
      assertClose(got, ref, 1e-5, ['dx', 'dW']);
    });
  }
});

describe('Tile (batch-norm gradient, broadcastTo) on wasm matches cpu', () => {
  const cases: Array<{ shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }> = [
    { shape: [1, 1, 1, 16], reps: [4, 7, 5, 1], dtype: 'float32' }, // batch norm's 1/σ over pixels
    { shape: [2, 3], reps: [3, 2], dtype: 'float32' },
    { shape: [3, 1, 2], reps: [1, 4, 1], dtype: 'int32' },
    { shape: [2, 2, 3], reps: [1, 1, 1], dtype: 'float32' },
    { shape: [5], reps: [3], dtype: 'bool' },
    { shape: [2, 1, 3, 1, 2], reps: [2, 3, 1, 2, 2], dtype: 'float32' },
    { shape: [0, 3], reps: [2, 2], dtype: 'float32' },
  ];
  for (const c of cases) {
    test(`${c.dtype} [${c.shape}] × [${c.reps}]`, async () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const values: tf.TensorLike =
        c.dtype === 'bool'
          ? Array.from({ length: n }, (_, i) => i % 3 === 0)
          : Array.from({ length: n }, (_, i) => i * 7 - 3);
      const [[got], [ref]] = await onWasmAndCpu(() =>
        tf.tidy(() => [Float32Array.from(tf.tile(tf.tensor(values, c.shape, c.dtype), c.reps).dataSync())]),
      );
      assertClose([got], [ref], 0);
    });
  }
  test('broadcastTo (a Tile) under tf.grad', async () => {
    const r = new Rng(9);
    const x = fill(4 * 5 * 5 * 3, r);
    const [got, ref] = await onWasmAndCpu(() =>
      tf.tidy(() => {
        const t = tf.tensor4d(x, [4, 5, 5, 3]);
        return [
          tf.grad((a: tf.Tensor) => tf.sum(tf.broadcastTo(tf.mean(a, [0, 1, 2], true), [4, 5, 5, 3])))(t),
        ].map((g) => g.dataSync() as Float32Array);
      }),
    );
    assertClose(got, ref, 1e-5);
  });
});
