import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { tf } from '../../src/model';
import {
  correctCount,
  distillationKl,
  distillationLoss,
  l2Penalty,
  softmaxCrossEntropy,
} from '../../src/train/losses';
import { useTestBackend } from '../support/backend';

before(async () => {
  await useTestBackend();
});

const value = (t: tf.Tensor): number => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

/** −log softmax(z)_y in float64, the reference. */
function refCe(z: number[], y: number): number {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  return lse - z[y];
}

describe('losses', () => {
  test('cross-entropy on logits matches float64 and stays finite for huge logits', () => {
    const rows = [
      [2, -1, 0.5],
      [1000, -1000, 0],
      [-800, 900, 100],
    ];
    const labels = [0, 1, 0];
    const want = rows.reduce((a, r, i) => a + refCe(r, labels[i]), 0) / rows.length;
    const got = value(softmaxCrossEntropy(tf.tensor2d(rows), tf.tensor1d(labels, 'int32')));
    assert.ok(Number.isFinite(got));
    assert.ok(Math.abs(got - want) <= 1e-3 * want, `${got} vs ${want}`);
  });

  test('row weights: unlabelled rows do not count, an all-unlabelled batch gives 0', () => {
    const z = tf.tensor2d([
      [3, 0],
      [0, 3],
    ]);
    const y = tf.tensor1d([0, 0], 'int32');
    const onlyFirst = value(softmaxCrossEntropy(z, y, tf.tensor1d([1, 0])));
    assert.ok(Math.abs(onlyFirst - refCe([3, 0], 0)) < 1e-6);
    assert.equal(value(softmaxCrossEntropy(z, y, tf.tensor1d([0, 0]))), 0);
    assert.equal(value(correctCount(z, y, tf.tensor1d([1, 1]))), 1);
  });

  test('distillation KL: zero when the student copies the teacher, T² scaling, matches float64', () => {
    const t = [
      [1, 2, 3],
      [0.5, -0.5, 0],
    ];
    const s = [
      [0, 0, 1],
      [2, 1, -1],
    ];
    assert.ok(Math.abs(value(tf.mean(distillationKl(tf.tensor2d(t), tf.tensor2d(t), 4)))) < 1e-6);
    const T = 3;
    const soft = (z: number[]) => {
      const e = z.map((v) => Math.exp(v / T));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    };
    const ref =
      (t
        .map((tr, i) => {
          const p = soft(tr);
          const q = soft(s[i]);
          return p.reduce((a, pi, j) => a + pi * Math.log(pi / q[j]), 0);
        })
        .reduce((a, b) => a + b, 0) /
        2) *
      T *
      T;
    const got = value(tf.mean(distillationKl(tf.tensor2d(s), tf.tensor2d(t), T)));
    assert.ok(Math.abs(got - ref) < 1e-5, `${got} vs ${ref}`);
  });

  test('distillation loss = α·CE + (1−α)·T²·KL', () => {
    const logits = tf.tensor2d([[1, 0, -1]]);
    const teacher = tf.tensor2d([[0, 2, 0]]);
    const labels = tf.tensor1d([0], 'int32');
    const ce = value(softmaxCrossEntropy(logits, labels));
    const kl = value(tf.mean(distillationKl(logits, teacher, 2)));
    const got = value(distillationLoss({ logits, labels, labelled: tf.tensor1d([1]), teacher }, 2, 0.3));
    assert.ok(Math.abs(got - (0.3 * ce + 0.7 * kl)) < 1e-6);
  });

  test('L2 penalty is factor · Σw² (Keras l2)', () => {
    assert.ok(Math.abs(value(l2Penalty([tf.tensor1d([1, 2]), tf.tensor2d([[3]])], 0.01)) - 0.14) < 1e-7);
  });
});
