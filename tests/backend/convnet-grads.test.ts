/**
 * Every gradient a netgrow convnet takes on the tape, on wasm against cpu: pooling, batch norm
 * in training, activations (PReLU included), concat/split/slice, broadcast adds, reductions
 * and the softmax cross-entropy. Stock wasm kernels serve most of them; this pins that they do.
 */
import { describe, test } from 'node:test';
import { tf, tfl } from '../../src/backend/tf';
import { assertClose, onWasmAndCpu } from './compare';

interface Row {
  name: string;
  shapes: number[][];
  out: (xs: tf.Tensor[]) => tf.Tensor;
}

const t4 = (x: tf.Tensor) => x as tf.Tensor4D;

const rows: Row[] = [
  { name: 'avgPool 2/2 valid', shapes: [[2, 8, 8, 3]], out: ([x]) => tf.avgPool(t4(x), 2, 2, 'valid') },
  {
    name: 'avgPool 2/2 same, odd sizes',
    shapes: [[2, 5, 7, 3]],
    out: ([x]) => tf.avgPool(t4(x), 2, 2, 'same'),
  },
  { name: 'avgPool 3/2 same', shapes: [[1, 7, 9, 2]], out: ([x]) => tf.avgPool(t4(x), 3, 2, 'same') },
  // Six channels: a vector of four and a scalar tail in netgrow's kernel.
  {
    name: 'avgPool 3/1 valid, 6 channels',
    shapes: [[2, 6, 7, 6]],
    out: ([x]) => tf.avgPool(t4(x), 3, 1, 'valid'),
  },
  { name: 'global average pool', shapes: [[2, 5, 5, 4]], out: ([x]) => tf.mean(x, [1, 2]) },
  { name: 'global max pool', shapes: [[2, 5, 5, 4]], out: ([x]) => tf.max(x, [1, 2]) },
  { name: 'relu', shapes: [[2, 6, 6, 3]], out: ([x]) => tf.relu(x) },
  { name: 'elu', shapes: [[2, 6, 6, 3]], out: ([x]) => tf.elu(x) },
  { name: 'sigmoid', shapes: [[4, 7]], out: ([x]) => tf.sigmoid(x) },
  { name: 'tanh', shapes: [[4, 7]], out: ([x]) => tf.tanh(x) },
  { name: 'softmax', shapes: [[4, 10]], out: ([x]) => tf.softmax(x) },
  { name: 'prelu, alpha per channel', shapes: [[2, 6, 6, 3], [3]], out: ([x, a]) => tf.prelu(x, a) },
  // tfjs-layers' PReLU keeps one alpha per position and channel.
  {
    name: 'prelu, alpha per position',
    shapes: [
      [2, 6, 6, 3],
      [6, 6, 3],
    ],
    out: ([x, a]) => tf.prelu(x, a),
  },
  {
    name: 'concat on channels',
    shapes: [
      [2, 4, 4, 3],
      [2, 4, 4, 5],
    ],
    out: (xs) => tf.concat(xs, 3),
  },
  {
    name: 'split on channels (towers)',
    shapes: [[2, 4, 4, 8]],
    out: ([x]) => {
      const [a, b, c] = tf.split(x, [3, 4, 1], 3);
      return tf.concat([c, tf.mul(a, 2), tf.relu(b)], 3);
    },
  },
  {
    name: 'slice (channel slice)',
    shapes: [[2, 5, 5, 6]],
    out: ([x]) => tf.slice(x, [0, 1, 0, 2], [2, 3, 5, 3]),
  },
  { name: 'bias add (broadcast)', shapes: [[2, 5, 5, 4], [4]], out: ([x, b]) => tf.add(x, b) },
  {
    name: 'residual add',
    shapes: [
      [2, 5, 5, 4],
      [2, 5, 5, 4],
    ],
    out: ([x, y]) => tf.add(x, y),
  },
  { name: 'sum over channels', shapes: [[2, 5, 5, 4]], out: ([x]) => tf.sum(x, -1) },
  { name: 'mean over the batch', shapes: [[6, 7]], out: ([x]) => tf.mean(x, 0) },
  {
    name: 'softmax cross-entropy',
    shapes: [[8, 10]],
    out: ([logits]) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.range(0, 8, 1, 'int32'), 10), logits),
  },
  {
    name: 'batch-norm arithmetic (moments, normalise)',
    shapes: [[4, 5, 5, 3], [3], [3]],
    out: ([x, gamma, beta]) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
    },
  },
];

/** A fixed, non-trivial value for every element (so dy is not all ones). */
const pattern = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.37 + k));

function grads(row: Row): Float32Array[] {
  return tf.tidy(() => {
    const xs = row.shapes.map((s, k) =>
      tf.tensor(
        pattern(
          s.reduce((a, b) => a * b, 1),
          k + 1,
        ),
        s,
      ),
    );
    const g = tf.grads((...args: tf.Tensor[]) => {
      const y = row.out(args);
      return tf.sum(tf.mul(y, tf.tensor(pattern(y.size, 0.5), y.shape)));
    })(xs);
    return g.map((t) => t.dataSync() as Float32Array);
  });
}

describe('convnet gradients on wasm match cpu', () => {
  for (const row of rows) {
    test(row.name, async () => {
      const [got, ref] = await onWasmAndCpu(() => grads(row));
      assertClose(got, ref, 1e-4);
    });
  }

  test('tfjs-layers batchNormalization in training: input, gamma and beta gradients', async () => {
    const shape = [4, 5, 5, 3];
    const run = (): Float32Array[] => {
      const bn = tfl.layers.batchNormalization({ axis: -1 });
      bn.build(shape);
      const init = [tf.tensor1d([0.5, 1.5, -1]), tf.tensor1d([0.1, -0.2, 0.3]), tf.zeros([3]), tf.ones([3])];
      bn.setWeights(init);
      tf.dispose(init);
      const x0 = tf.tensor(pattern(100 * 3, 3), shape);
      const x = tf.variable(x0);
      x0.dispose();
      const vars = [x, ...bn.trainableWeights.map((w) => w.read() as tf.Variable)];
      const { value, grads: g } = tf.variableGrads(() =>
        tf.tidy(() => {
          const y = bn.apply(x, { training: true }) as tf.Tensor;
          return tf.sum(tf.mul(y, tf.tensor(pattern(y.size, 0.5), y.shape)));
        }),
      );
      const out = vars.map((v) => g[v.name].dataSync() as Float32Array);
      tf.dispose([value, x, ...Object.values(g)]);
      for (const w of bn.weights) w.dispose(); // Layer.dispose() refuses a layer applied eagerly only
      return out;
    };
    const [got, ref] = await onWasmAndCpu(run);
    assertClose(got, ref, 1e-4, ['dx', 'dgamma', 'dbeta']);
  });
});
