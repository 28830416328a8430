/**
 * Child process for threaded-kernels.test.ts: with the threaded wasm build (NETGROW_WASM_THREADS
 * in the environment), the gradients of a LeNet-shaped block, which run netgrow's SIMD kernels
 * (compiled for shared memory there), against cpu. Prints one JSON line.
 */
import { initBackend } from '../../src/backend';
import { Rng } from '../../src/graph';
import { tf } from '../../src/backend/tf';
import { relErr } from './compare';

function grads(seed: number): Float32Array[] {
  return tf.tidy(() => {
    const r = new Rng(seed);
    const t = (shape: number[]) =>
      tf.tensor(
        Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()),
        shape,
      );
    const x = t([3, 28, 28, 1]);
    const f1 = t([5, 5, 1, 6]);
    const b1 = t([6]);
    const f2 = t([5, 5, 6, 16]);
    const loss = (a: tf.Tensor, w1: tf.Tensor, c1: tf.Tensor, w2: tf.Tensor) => {
      const h = tf.maxPool(
        tf.relu(tf.add(tf.conv2d(a as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), c1)) as tf.Tensor4D,
        2,
        2,
        'valid',
      );
      return tf.sum(tf.square(tf.conv2d(h, w2 as tf.Tensor4D, 1, 'valid')));
    };
    return tf
      .grads(loss)([x, f1, b1, f2])
      .map((g) => g.dataSync() as Float32Array);
  });
}

async function main(): Promise<void> {
  const info = await initBackend({ log: () => {} });
  const got = grads(7);
  await tf.setBackend('cpu');
  const ref = grads(7);
  console.log(JSON.stringify({ info, errors: got.map((g, i) => relErr(g, ref[i])) }));
}

void main();
