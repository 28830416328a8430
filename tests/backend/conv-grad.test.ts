import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/graph';
import { tf } from '../../src/model/tf';
import '@tensorflow/tfjs-backend-wasm';
import { registerNetgrowKernels } from '../../src/backend/kernels';

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}

const cases: Case[] = [];
for (const k of [1, 3, 5])
  for (const s of [1, 2])
    for (const pad of ['same', 'valid'] as const) {
      cases.push({ n: 2, h: 9, w: 7, ci: 3, co: 4, k, s, pad }); // odd, rectangular
      cases.push({ n: 1, h: 8, w: 8, ci: 2, co: 5, k, s, pad }); // batch 1, even
    }
cases.push({ n: 3, h: 28, w: 28, ci: 1, co: 6, k: 5, s: 1, pad: 'same' }); // lenet conv1
cases.push({ n: 2, h: 14, w: 14, ci: 6, co: 16, k: 5, s: 1, pad: 'valid' }); // lenet conv2
cases.push({ n: 2, h: 16, w: 16, ci: 8, co: 8, k: 3, s: 2, pad: 'same' }); // resnet downsampling

function data(c: Case, seed: number) {
  const r = new Rng(seed);
  const oh = c.pad === 'same' ? Math.ceil(c.h / c.s) : Math.floor((c.h - c.k) / c.s) + 1;
  const ow = c.pad === 'same' ? Math.ceil(c.w / c.s) : Math.floor((c.w - c.k) / c.s) + 1;
  const fill = (n: number) => Float32Array.from({ length: n }, () => r.normal());
  return {
    x: fill(c.n * c.h * c.w * c.ci),
    f: fill(c.k * c.k * c.ci * c.co),
    dy: fill(c.n * oh * ow * c.co),
    dyShape: [c.n, oh, ow, c.co] as [number, number, number, number],
  };
}

/** dW and dx of Σ(conv(x, f) ⊙ dy), through tf.grads, on the current backend. */
function grads(c: Case, d: ReturnType<typeof data>): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(d.x, [c.n, c.h, c.w, c.ci]);
    const f = tf.tensor4d(d.f, [c.k, c.k, c.ci, c.co]);
    const dy = tf.tensor4d(d.dy, d.dyShape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), dy)),
    );
    const [dx, dw] = g([x, f]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

function relErr(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

describe('wasm convolution gradients match the cpu backend', () => {
  for (const mode of ['fast', 'shim'] as const) {
    // wasm's own Conv3DBackpropFilterV2 (the shim's dW) is wrong for strides > 1 in
    // tfjs-backend-wasm 4.22 (checked against cpu), so the shim is a baseline for stride 1 only.
    for (const c of cases.filter((x) => mode === 'fast' || x.s === 1)) {
      const name = `${mode}: n${c.n} ${c.h}x${c.w}x${c.ci}→${c.co} k${c.k} s${c.s} ${c.pad}`;
      test(name, async () => {
        const d = data(c, c.h * 100 + c.k * 10 + c.s);
        await tf.setBackend('cpu');
        const ref = grads(c, d);
        await tf.setBackend('wasm');
        registerNetgrowKernels(mode);
        const before = tf.memory().numTensors;
        const got = grads(c, d);
        assert.equal(tf.memory().numTensors, before, 'no tensors leak');
        assert.ok(relErr(got.dw, ref.dw) <= 1e-4, `dW rel err ${relErr(got.dw, ref.dw)}`);
        assert.ok(relErr(got.dx, ref.dx) <= 1e-4, `dx rel err ${relErr(got.dx, ref.dx)}`);
      });
    }
  }
});
