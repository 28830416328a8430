import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { tf } from '../../src/model';
import { clipByGlobalNorm, Optimizer, Param } from '../../src/train/optimizer';
import { OptimizerSpec } from '../../src/contracts/train';
import { useTestBackend } from '../support/backend';

before(async () => {
  await useTestBackend();
});

const param = (xs: number[]): Param => ({ key: 'w', variable: tf.variable(tf.tensor1d(xs)) });
const grad = (xs: number[]) => new Map([['w', tf.tensor1d(xs)]]);
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) <= tol, `[${i}] ${a[i]} vs ${v}`));

/** Runs an optimizer on f(w) = ½‖w‖² (gradient w) in float64 and in netgrow, side by side. */
function track(spec: OptimizerSpec, ref: (w: number[], t: number, lr: number) => number[], lrs: number[]) {
  const p = param([1, -2]);
  const opt = new Optimizer(spec, [p]);
  let w = [1, -2];
  lrs.forEach((lr, i) => {
    const g = grad(Array.from(p.variable.dataSync()));
    opt.apply(g, lr);
    g.get('w')!.dispose();
    w = ref(w, i + 1, lr);
    close(p.variable.dataSync(), w, 1e-5);
  });
  return { p, opt };
}

describe('optimizers', () => {
  test('SGD with momentum (PyTorch form) and Nesterov match float64 references', () => {
    for (const nesterov of [false, true]) {
      let v = [0, 0];
      track(
        { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov },
        (w, _t, lr) => {
          v = v.map((vi, i) => 0.9 * vi + w[i]);
          return w.map((wi, i) => wi - lr * (nesterov ? w[i] + 0.9 * v[i] : v[i]));
        },
        [0.1, 0.1, 0.05, 0.05],
      );
    }
  });

  test('Adam matches the Keras update with bias correction', () => {
    let m = [0, 0];
    let v = [0, 0];
    const [b1, b2, eps] = [0.9, 0.999, 1e-7];
    track(
      { kind: 'adam', lr: 0.01, beta1: b1, beta2: b2, epsilon: eps },
      (w, t, lr) => {
        m = m.map((mi, i) => b1 * mi + (1 - b1) * w[i]);
        v = v.map((vi, i) => b2 * vi + (1 - b2) * w[i] * w[i]);
        const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
        return w.map((wi, i) => wi - (lrT * m[i]) / (Math.sqrt(v[i]) + eps));
      },
      [0.01, 0.01, 0.01],
    );
  });

  test('a saved state restored into a fresh optimizer continues bit for bit', () => {
    for (const spec of [
      { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
      { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    ] as OptimizerSpec[]) {
      const a = param([0.3, -0.7]);
      const oa = new Optimizer(spec, [a]);
      for (let i = 0; i < 3; i++) oa.apply(grad([i + 1, -i]), 0.1);
      const saved = oa.state();
      const b = param(Array.from(a.variable.dataSync()));
      const ob = new Optimizer(spec, [b]);
      ob.load({ meta: structuredClone(saved.meta), data: saved.data.slice() });
      assert.equal(ob.steps, 3);
      for (const o of [oa, ob]) o.apply(grad([0.5, 0.25]), 0.1);
      assert.deepEqual(b.variable.dataSync(), a.variable.dataSync());
      assert.throws(
        () =>
          new Optimizer({ ...spec, kind: spec.kind === 'sgd' ? 'adam' : 'sgd' } as OptimizerSpec, [b]).load(
            saved,
          ),
        /optimizer state is for/,
      );
    }
  });

  test('gradient clipping by global norm', () => {
    const g = new Map([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor1d([4])],
    ]);
    const { grads, norm } = clipByGlobalNorm(g, 1);
    assert.ok(Math.abs(norm.dataSync()[0] - 5) < 1e-6);
    close(grads.get('a')!.dataSync(), [0.6, 0]);
    close(grads.get('b')!.dataSync(), [0.8]);
    const small = clipByGlobalNorm(g, 10).grads;
    close(small.get('a')!.dataSync(), [3, 0]);
  });
});
