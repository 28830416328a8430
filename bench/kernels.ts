/**
 * GFLOP/s of the wasm convolution gradients, netgrow's kernels ("fast") against the obvious
 * shims ("shim": depth-1 Conv3DBackpropFilterV2 for dW, the built-in Conv2DBackpropInput).
 *   npx tsx bench/kernels.ts
 */
import { initBackend, useKernels } from '../src/backend';
import { Rng } from '../src/graph';
import { tf } from '../src/model/tf';

const shapes = [
  { name: 'lenet conv1', n: 64, h: 28, w: 28, ci: 1, co: 6, k: 5, pad: 'same' as const },
  { name: 'lenet conv2', n: 64, h: 14, w: 14, ci: 6, co: 16, k: 5, pad: 'valid' as const },
  { name: 'vgg8 conv2', n: 32, h: 28, w: 28, ci: 64, co: 64, k: 3, pad: 'same' as const },
  { name: 'vgg8 conv4', n: 32, h: 14, w: 14, ci: 128, co: 128, k: 3, pad: 'same' as const },
];

function time(fn: () => void, reps: number): number {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / 1000 / reps;
}

async function main(): Promise<void> {
  await initBackend({ prefer: 'wasm' });
  const rows: string[] = [];
  for (const s of shapes) {
    const r = new Rng(1);
    const oh = s.pad === 'same' ? s.h : s.h - s.k + 1;
    const x = tf.tensor4d(
      Float32Array.from({ length: s.n * s.h * s.w * s.ci }, () => r.normal()),
      [s.n, s.h, s.w, s.ci],
    );
    const f = tf.tensor4d(
      Float32Array.from({ length: s.k * s.k * s.ci * s.co }, () => r.normal()),
      [s.k, s.k, s.ci, s.co],
    );
    const dy = tf.tensor4d(
      Float32Array.from({ length: s.n * oh * oh * s.co }, () => r.normal()),
      [s.n, oh, oh, s.co],
    );
    const flops = 2 * s.n * oh * oh * s.co * s.k * s.k * s.ci;
    const result: Record<string, number> = {};
    for (const mode of ['fast', 'shim'] as const) {
      useKernels(mode);
      const attrs = { strides: 1, pad: s.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
      const dW = () =>
        (
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x, dy },
              { ...attrs, filterShape: [s.k, s.k, s.ci, s.co] },
            ) as tf.Tensor
        ).dispose();
      result[`dW ${mode}`] = flops / time(dW, 5) / 1e9;
      result[`dx ${mode}`] =
        flops / time(() => tf.conv2dTranspose(dy, f, [s.n, s.h, s.w, s.ci], 1, s.pad).dispose(), 5) / 1e9;
    }
    rows.push(
      `${s.name.padEnd(12)} dW ${result['dW fast'].toFixed(1).padStart(5)} vs ${result['dW shim'].toFixed(1).padStart(5)} GFLOP/s (${(result['dW fast'] / result['dW shim']).toFixed(1)}x)   ` +
        `dx ${result['dx fast'].toFixed(1).padStart(5)} vs ${result['dx shim'].toFixed(1).padStart(5)} GFLOP/s (${(result['dx fast'] / result['dx shim']).toFixed(1)}x)`,
    );
    tf.dispose([x, f, dy]);
  }
  console.log(rows.join('\n'));
}

void main();
