/**
 * Training throughput of a builtin on synthetic data: S optimizer steps after a warm-up, with
 * the FLOPs counted from the IR (forward multiply-adds × 2, × 3 for a training step).
 */
import { builtin, countFlops, initWeights, Rng } from '../graph';
import { buildModel } from '../model/build';
import { tf } from '../model/tf';
import { initBackend, useKernels } from './select';
import { KernelMode } from './kernels';

export interface BenchTrainOptions {
  arch: string;
  batch: number;
  steps: number;
  warmup?: number;
  kernels?: KernelMode;
  seed?: number;
  inputShape?: number[];
  numClasses?: number;
}

export interface BenchTrainResult {
  arch: string;
  backend: string;
  kernels: string;
  batch: number;
  steps: number;
  samplesPerSec: number;
  trainGflops: number;
  flopsPerSample: number;
  secondsPerStep: number;
  peakRssMB: number;
}

export async function benchTrain(o: BenchTrainOptions): Promise<BenchTrainResult> {
  const info = await initBackend({ kernels: o.kernels });
  if (info.name === 'wasm' && o.kernels) useKernels(o.kernels);
  const inputShape = o.inputShape ?? [28, 28, 1];
  const numClasses = o.numClasses ?? 10;
  const g = builtin(o.arch, { inputShape, numClasses });
  const rng = new Rng(o.seed ?? 0);
  const model = buildModel(g, initWeights(g, rng), { logits: true });
  const xData = Float32Array.from({ length: o.batch * inputShape.reduce((a, b) => a * b, 1) }, () =>
    rng.normal(),
  );
  const yData = Int32Array.from({ length: o.batch }, () => rng.int(numClasses));
  const x = tf.tensor(xData, [o.batch, ...inputShape]);
  const y = tf.oneHot(tf.tensor1d(yData, 'int32'), numClasses);
  const opt = tf.train.momentum(0.01, 0.9);
  const step = () => {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
      true,
    );
    loss!.dataSync();
    loss!.dispose();
  };
  for (let i = 0; i < (o.warmup ?? 3); i++) step();
  const t0 = performance.now();
  for (let i = 0; i < o.steps; i++) step();
  const seconds = (performance.now() - t0) / 1000;
  x.dispose();
  y.dispose();
  opt.dispose();
  model.dispose();
  const flopsPerSample = countFlops(g).trainFlops;
  const samplesPerSec = (o.steps * o.batch) / seconds;
  return {
    arch: o.arch,
    backend: info.name,
    kernels: info.name === 'wasm' ? (o.kernels ?? info.kernels) : info.kernels,
    batch: o.batch,
    steps: o.steps,
    samplesPerSec,
    trainGflops: (samplesPerSec * flopsPerSample) / 1e9,
    flopsPerSample,
    secondsPerStep: seconds / o.steps,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}
