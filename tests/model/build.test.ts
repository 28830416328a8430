import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { builtin, BUILTIN_NAMES, countParams, initWeights, parseGraph, Rng, Weights } from '../../src/graph';
import { buildModel, logitsNode, predict, readWeights, tf } from '../../src/model';

before(async () => {
  await tf.setBackend('cpu');
});

function randomInput(n: number, shape: readonly number[], seed = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => r.normal());
}

/** Non-trivial values everywhere, BN statistics and PReLU alphas included. */
function randomWeights(w: Weights, seed: number): Weights {
  const r = new Rng(seed);
  return new Map(
    [...w].map(([k, t]) => {
      const positive = k.endsWith('/movingVariance') || k.endsWith('/gamma');
      const data = t.data.map(() => (positive ? r.uniform(0.5, 2) : r.normal() * 0.2));
      return [k, { shape: t.shape, data }];
    }),
  );
}

describe('builder', () => {
  for (const name of BUILTIN_NAMES.filter((n) => n !== 'vgg16')) {
    test(`${name}: IR + weights → model → IR + weights is lossless`, () => {
      const g = builtin(name);
      const w = randomWeights(initWeights(g, new Rng(1)), 2);
      const model = buildModel(g, w);
      assert.equal(model.countParams(), countParams(g));
      const back = readWeights(model, g);
      assert.deepEqual([...back.keys()].sort(), [...w.keys()].sort());
      for (const [k, t] of w) {
        assert.deepEqual(back.get(k)!.shape, t.shape, k);
        assert.deepEqual(back.get(k)!.data, t.data, k);
      }
      model.dispose();
    });
  }

  test('output shapes and softmax rows', () => {
    const g = builtin('lenet');
    const model = buildModel(g, initWeights(g, new Rng(3)));
    const y = predict(model, randomInput(4, [28, 28, 1]), 4, [28, 28, 1]);
    assert.equal(y.length, 40);
    for (let i = 0; i < 4; i++) {
      const s = y.slice(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
    model.dispose();
  });

  test('logits model stops before the final softmax', () => {
    const g = builtin('seed-teacher');
    assert.equal(logitsNode(g), 'fc2');
    const w = initWeights(g, new Rng(4));
    const probs = buildModel(g, w);
    const logits = buildModel(g, w, { logits: true });
    const x = randomInput(2, [28, 28, 1]);
    const p = predict(probs, x, 2, [28, 28, 1]);
    const z = predict(logits, x, 2, [28, 28, 1]);
    const soft = tf.softmax(tf.tensor2d(z, [2, 10])).dataSync();
    p.forEach((v, i) => assert.ok(Math.abs(v - soft[i]) < 1e-6));
  });

  test('channel slices (grouped convs) compute the same in-process and portable', () => {
    const g = parseGraph({
      nodes: [
        { id: 'in', kind: 'input', shape: [6, 6, 4] },
        { id: 's1', kind: 'slice', inputs: ['in'], begin: 0, size: 2 },
        { id: 's2', kind: 'slice', inputs: ['in'], begin: 2, size: 2 },
        { id: 'c1', kind: 'conv2d', inputs: ['s1'], filters: 3, kernel: 3 },
        { id: 'c2', kind: 'conv2d', inputs: ['s2'], filters: 3, kernel: 3 },
        { id: 'cat', kind: 'concat', inputs: ['c1', 'c2'] },
        { id: 'out', kind: 'globalavgpool', inputs: ['cat'] },
      ],
      output: 'out',
    });
    const w = initWeights(g, new Rng(5));
    const x = randomInput(3, [6, 6, 4]);
    const a = predict(buildModel(g, w), x, 3, [6, 6, 4]);
    const b = predict(buildModel(g, w, { portable: true }), x, 3, [6, 6, 4]);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5));
  });

  test('wrong weights are refused before building', () => {
    const g = builtin('mlp');
    const w = initWeights(g, new Rng(0));
    w.delete('fc2/kernel');
    assert.throws(() => buildModel(g, w), /weights lack 'fc2\/kernel'/);
  });
});
