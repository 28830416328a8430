/**
 * netgrow's convolution gradients (and the shim baseline) on wasm against the cpu backend:
 * strides 1 and 2, same/valid/numeric padding, kernels 1/3/5, odd and rectangular inputs,
 * batch 1, through tf.grads of a convolution (the whole tape path, not the kernel alone).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activeKernels, registerNetgrowKernels } from '../../src/backend/kernels';
import { Rng } from '../../src/graph';
import { tf } from '../../src/backend/tf';
import { assertClose, onWasmAndCpu } from './compare';

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pad: 'same' | 'valid' | number;
}

const cases: Case[] = [];
for (const k of [1, 3, 5])
  for (const s of [1, 2])
    for (const pad of ['same', 'valid'] as const) {
      cases.push({ n: 2, h: 9, w: 7, ci: 3, co: 4, k, s, pad }); // odd, rectangular
      cases.push({ n: 1, h: 8, w: 8, ci: 2, co: 5, k, s, pad }); // batch 1, even
      cases.push({ n: 2, h: 7, w: 10, ci: 1, co: 4, k, s, pad }); // one input channel (depthwise dx)
    }
cases.push({ n: 3, h: 28, w: 28, ci: 1, co: 6, k: 5, s: 1, pad: 'same' }); // lenet conv1
cases.push({ n: 2, h: 14, w: 14, ci: 6, co: 16, k: 5, s: 1, pad: 'valid' }); // lenet conv2
cases.push({ n: 2, h: 16, w: 16, ci: 8, co: 8, k: 3, s: 2, pad: 'same' }); // resnet downsampling
// Numeric padding (tf.conv2d and conv2dTranspose accept it), up to more than the kernel reaches.
cases.push({ n: 2, h: 7, w: 6, ci: 2, co: 3, k: 3, s: 1, pad: 1 });
cases.push({ n: 2, h: 7, w: 6, ci: 2, co: 3, k: 3, s: 2, pad: 2 });
cases.push({ n: 1, h: 5, w: 5, ci: 2, co: 3, k: 3, s: 1, pad: 3 });
cases.push({ n: 2, h: 6, w: 5, ci: 1, co: 3, k: 3, s: 2, pad: 3 });

function data(c: Case, seed: number) {
  const r = new Rng(seed);
  const [, oh, ow] = tf.backend_util.computeConv2DInfo(
    [c.n, c.h, c.w, c.ci],
    [c.k, c.k, c.ci, c.co],
    c.s,
    1,
    c.pad,
  ).outShape;
  const fill = (n: number) => Float32Array.from({ length: n }, () => r.normal());
  return {
    x: fill(c.n * c.h * c.w * c.ci),
    f: fill(c.k * c.k * c.ci * c.co),
    dy: fill(c.n * oh * ow * c.co),
    dyShape: [c.n, oh, ow, c.co] as [number, number, number, number],
  };
}

/** dW and dx of Σ(conv(x, f) ⊙ dy), through tf.grads, on the current backend. */
function grads(c: Case, d: ReturnType<typeof data>): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(d.x, [c.n, c.h, c.w, c.ci]);
    const f = tf.tensor4d(d.f, [c.k, c.k, c.ci, c.co]);
    const dy = tf.tensor4d(d.dy, d.dyShape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), dy)),
    );
    return g([x, f]).map((t) => t.dataSync() as Float32Array);
  });
}

describe('wasm convolution gradients match the cpu backend', () => {
  for (const mode of ['fast', 'shim'] as const) {
    for (const c of cases) {
      const name = `${mode}: n${c.n} ${c.h}x${c.w}x${c.ci}→${c.co} k${c.k} s${c.s} ${c.pad}`;
      test(name, async () => {
        const d = data(c, c.h * 100 + c.k * 10 + c.s);
        const [got, ref] = await onWasmAndCpu(() => grads(c, d), mode);
        assertClose(got, ref, 1e-4, ['dx', 'dW']);
      });
    }
  }
});

describe('kernel modes', () => {
  test('registering switches the wasm kernels, one mode at a time', async () => {
    await tf.setBackend('wasm');
    registerNetgrowKernels('shim');
    const shimInput = tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc;
    const shimFilter = tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc;
    registerNetgrowKernels('fast');
    assert.equal(activeKernels(), 'fast');
    const fastInput = tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc;
    assert.notEqual(fastInput, shimInput);
    assert.notEqual(tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc, shimFilter);
    registerNetgrowKernels('fast'); // idempotent
    assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc, fastInput);
    registerNetgrowKernels('shim');
    assert.equal(activeKernels(), 'shim');
    // Back to the stock kernel object itself, not a copy.
    assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc, shimInput);
  });
});
