/**
 * GFLOP/s of the wasm gradient kernels, netgrow's ("fast") against the obvious shims ("shim":
 * depth-1 Conv3DBackpropFilterV2 for dW, the stock kernels for the rest), on the layers of
 * lenet (batch 64), vgg8 and resnet-s (batch 32), plus the pooling and dense-layer gradients.
 *
 *   npx tsx bench/kernels.ts [reps]        (NETGROW_WASM_THREADS=2 for the threaded build)
 *
 * Each figure is the median of `reps` timed calls after one warm-up call. Besides wall-clock
 * GFLOP/s it prints GFLOP per CPU-second of this process, which is what a kernel achieves when
 * other work shares the cores (with one thread; with more, CPU time adds up over threads).
 */
import { initBackend, useKernels } from '../src/backend';
import { Rng } from '../src/graph';
import { tf } from '../src/backend/tf';
import { median } from '../src/train/stats';

interface ConvLayer {
  name: string;
  n: number;
  h: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}

const convs: ConvLayer[] = [
  { name: 'lenet conv1 28²  1→6   k5', n: 64, h: 28, ci: 1, co: 6, k: 5, s: 1, pad: 'same' },
  { name: 'lenet conv2 14²  6→16  k5', n: 64, h: 14, ci: 6, co: 16, k: 5, s: 1, pad: 'valid' },
  { name: 'vgg8 conv1  28²  1→64  k3', n: 32, h: 28, ci: 1, co: 64, k: 3, s: 1, pad: 'same' },
  { name: 'vgg8 conv2  28² 64→64  k3', n: 32, h: 28, ci: 64, co: 64, k: 3, s: 1, pad: 'same' },
  { name: 'vgg8 conv4  14² 128→128 k3', n: 32, h: 14, ci: 128, co: 128, k: 3, s: 1, pad: 'same' },
  { name: 'resnet b2   28² 16→32 k3/2', n: 32, h: 28, ci: 16, co: 32, k: 3, s: 2, pad: 'same' },
];

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Median wall and CPU milliseconds of one call. */
function time(fn: () => tf.Tensor, reps: number): { wall: number; cpu: number } {
  fn().dispose();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const [t0, c0] = [performance.now(), cpuMs()];
    const out = fn();
    out.dataSync(); // wasm kernels are synchronous; this keeps the timing honest for any backend
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
    out.dispose();
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function normal(shape: number[], r: Rng): tf.Tensor {
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()),
    shape,
  );
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => () =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

const gf = (flops: number, ms: number) => (flops / ms / 1e6).toFixed(1).padStart(6);
const line = (cells: string[]) => console.log(cells.join('  '));

async function main(): Promise<void> {
  const reps = Number(process.argv[2] ?? 5);
  const info = await initBackend({ prefer: 'wasm' });
  const r = new Rng(1);
  console.log(
    `\nconvolution gradients, GFLOP/s wall (per CPU-second); ${info.threads} thread(s), median of ${reps}`,
  );
  line([
    'layer (batch)                   ',
    ' dW fast      ',
    ' dW shim      ',
    'dW x ',
    ' dx fast      ',
    ' dx shim      ',
    'dx x',
  ]);
  for (const c of convs) {
    const x = normal([c.n, c.h, c.h, c.ci], r);
    const w = normal([c.k, c.k, c.ci, c.co], r);
    const [, oh, ow] = tf.backend_util.computeConv2DInfo(
      [c.n, c.h, c.h, c.ci],
      [c.k, c.k, c.ci, c.co],
      c.s,
      1,
      c.pad,
    ).outShape;
    const dy = normal([c.n, oh, ow, c.co], r);
    const flops = 2 * c.n * oh * ow * c.co * c.k * c.k * c.ci;
    const conv = { strides: c.s, pad: c.pad, dataFormat: 'NHWC' };
    const t: Record<string, { wall: number; cpu: number }> = {};
    for (const mode of ['fast', 'shim'] as const) {
      useKernels(mode);
      t[`dW ${mode}`] = time(run('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: w.shape }), reps);
      t[`dx ${mode}`] = time(
        run('Conv2DBackpropInput', { dy, filter: w }, { ...conv, inputShape: x.shape }),
        reps,
      );
    }
    const cell = (k: string) => `${gf(flops, t[k].wall)} (${gf(flops, t[k].cpu)})`;
    const ratio = (g: string) => `${(t[`${g} shim`].cpu / t[`${g} fast`].cpu).toFixed(1).padStart(4)}x`;
    line([
      `${c.name} (${c.n})`.padEnd(32),
      cell('dW fast'),
      cell('dW shim'),
      ratio('dW'),
      cell('dx fast'),
      cell('dx shim'),
      ratio('dx'),
    ]);
    tf.dispose([x, w, dy]);
  }

  console.log(`\npooling and dense gradients, milliseconds wall (CPU)`);
  line(['kernel, shape                               ', '  fast        ', '  stock']);
  const pools: Array<[string, number[], 'same' | 'valid']> = [
    ['lenet pool1', [64, 28, 28, 6], 'valid'],
    ['vgg8 pool1', [32, 28, 28, 64], 'same'],
  ];
  const ms = (v: { wall: number; cpu: number }) =>
    `${v.wall.toFixed(2).padStart(7)} (${v.cpu.toFixed(2).padStart(6)})`;
  for (const [name, shape, pad] of pools) {
    const x = normal(shape, r);
    const y = tf.maxPool(x as tf.Tensor4D, 2, 2, pad);
    const dy = normal(y.shape, r);
    const attrs = { filterSize: 2, strides: 2, pad };
    for (const [kernel, inputs] of [
      ['MaxPoolGrad', { dy, input: x, output: y }],
      ['AvgPoolGrad', { dy, input: x }],
    ] as const) {
      const res: string[] = [];
      for (const mode of ['fast', 'shim'] as const) {
        useKernels(mode);
        res.push(ms(time(run(kernel, inputs, attrs), reps)));
      }
      line([`${kernel} ${name} ${shape.join('x')}`.padEnd(44), ...res]);
    }
    tf.dispose([x, y, dy]);
  }
  const denses: Array<[string, number, number, number]> = [
    ['lenet fc1', 64, 400, 120],
    ['vgg8 fc1', 32, 1024, 2048],
  ];
  for (const [name, n, i, o] of denses) {
    const x = normal([1, n, i], r);
    const w = normal([1, i, o], r);
    const dy = normal([1, n, o], r);
    for (const [what, a, b, attrs] of [
      ['dW = xᵀ·dy', x, dy, { transposeA: true, transposeB: false }],
      ['dx = dy·Wᵀ', dy, w, { transposeA: false, transposeB: true }],
    ] as const) {
      const res: string[] = [];
      for (const mode of ['fast', 'shim'] as const) {
        useKernels(mode);
        res.push(ms(time(run('BatchMatMul', { a, b }, attrs), reps)));
      }
      line([`BatchMatMul ${name} ${what} (${n}x${i}x${o})`.padEnd(44), ...res]);
    }
    tf.dispose([x, w, dy]);
  }
}

void main();
