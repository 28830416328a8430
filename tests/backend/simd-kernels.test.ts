/**
 * netgrow's SIMD module (src/backend/assembly/kernels.ts): the committed .wasm files are what the source
 * compiles to, and the kernels beyond the convolution and pooling gradients (bias Add, bias
 * Sum, sharing Identity/Cast) match the cpu backend, falling back to the stock kernels for
 * every case they do not cover.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Rng } from '../../src/graph';
import { tf } from '../../src/backend/tf';
import { assertClose, onWasmAndCpu } from './compare';

const root = join(__dirname, '..', '..');
const fill = (shape: number[], r: Rng) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()),
    shape,
  );

test('the committed kernels are what src/backend/assembly/kernels.ts compiles to', () => {
  const out = mkdtempSync(join(tmpdir(), 'netgrow-wasm-'));
  try {
    execFileSync('bash', [join(root, 'scripts', 'build-wasm.sh'), out], { cwd: root, stdio: 'pipe' });
    for (const f of ['netgrow-kernels.wasm', 'netgrow-kernels-shared.wasm'])
      assert.ok(
        readFileSync(join(out, f)).equals(readFileSync(join(root, 'src', 'backend', 'assembly', f))),
        `src/backend/assembly/${f} is stale: run bash scripts/build-wasm.sh and commit it`,
      );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

describe('bias Add and bias Sum on wasm match cpu', () => {
  const cases: Array<[string, number[], number[]]> = [
    ['conv bias [n,h,w,6] + [6]', [3, 5, 7, 6], [6]],
    ['bias first [5] + [2,3,5]', [5], [2, 3, 5]],
    ['[1,1,1,8] bias', [2, 4, 4, 8], [1, 1, 1, 8]],
    ['dense bias [4,3] + [3]', [4, 3], [3]],
    ['not a bias: [3,1] + [3,4] (stock)', [3, 1], [3, 4]],
    ['same shapes (stock)', [2, 3], [2, 3]],
  ];
  for (const [name, a, b] of cases)
    test(name, async () => {
      const [got, ref] = await onWasmAndCpu(() =>
        tf.tidy(() => {
          const r = new Rng(a.length * 10 + b.length);
          return [tf.add(fill(a, r), fill(b, r)).dataSync() as Float32Array];
        }),
      );
      assertClose(got, ref, 1e-6);
    });

  const sums: Array<[number[], number[] | number, boolean]> = [
    [[64, 28, 28, 6], [0, 1, 2], false],
    [[2, 3, 5, 16], [0, 1, 2], true],
    [[7, 3], 0, false],
    [[4, 5, 3], [1, 0], false],
    [[4, 5, 3], [-3, -2], true],
    [[4, 5, 3], [0, 2], false], // not the leading axes: stock
    [[4, 5, 3], [2], false],
  ];
  for (const [shape, axis, keepDims] of sums)
    test(`Sum ${shape.join('x')} over ${JSON.stringify(axis)}${keepDims ? ' keepDims' : ''}`, async () => {
      const [got, ref] = await onWasmAndCpu(() =>
        tf.tidy(() => {
          const s = tf.sum(fill(shape, new Rng(shape.length)), axis, keepDims);
          return [s.dataSync() as Float32Array, Float32Array.from(s.shape)];
        }),
      );
      assertClose(got, ref, 1e-5, ['sum', 'shape']);
    });
});

test('Identity and same-dtype Cast share memory and keep values through disposal', async () => {
  const [got, ref] = await onWasmAndCpu(() =>
    tf.tidy(() => {
      const x = tf.tensor([1.5, -2, 3], [3]);
      const y = tf.clone(x);
      const c = tf.cast(y, 'float32');
      const i = tf.cast(x, 'int32'); // a real cast still converts
      x.dispose();
      y.dispose();
      return [c.dataSync() as Float32Array, Float32Array.from(i.dataSync())];
    }),
  );
  assert.deepEqual([...got[0]], [1.5, -2, 3]);
  assert.deepEqual([...got[1]], [1, -2, 3]);
  assertClose(got, ref, 0);
});

describe('one-channel forward Conv2D on wasm matches cpu', () => {
  const cases: Array<[number[], number[], 'same' | 'valid' | number, number]> = [
    [[4, 28, 28, 1], [5, 5, 1, 6], 'same', 1], // lenet conv1
    [[1, 7, 9, 1], [3, 3, 1, 1], 'same', 1], // batch 1, one filter, width not a multiple of 4
    [[2, 6, 5, 1], [3, 2, 1, 9], 'valid', 1], // rectangular kernel, a second pass of channels
    [[2, 5, 6, 1], [3, 3, 1, 17], 2, 1], // numeric padding, three passes
    [[2, 9, 9, 1], [3, 3, 1, 4], 'same', 2], // stride 2: the stock kernel
  ];
  for (const [xs, fs, pad, stride] of cases)
    test(`${xs.join('x')} * ${fs.join('x')} ${pad} stride ${stride}`, async () => {
      const [got, ref] = await onWasmAndCpu(() =>
        tf.tidy(() => {
          const r = new Rng(xs[1] * 31 + fs[3]);
          const y = tf.conv2d(fill(xs, r) as tf.Tensor4D, fill(fs, r) as tf.Tensor4D, stride, pad);
          return [y.dataSync() as Float32Array];
        }),
      );
      assertClose(got, ref, 1e-5);
    });
});
