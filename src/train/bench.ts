/**
 * Training throughput of a builtin on one synthetic batch: S optimizer steps (SGD with
 * momentum 0.9 — what netgrow's searches train with — on the softmax cross-entropy of the
 * logits) after a warm-up, with the FLOPs counted from the IR: forward multiply-adds × 2 × 3
 * for forward + both backward products. On the `graph` backend the steps are the graph
 * engine's session runs (graph-trainer.ts), elsewhere tfjs eager steps.
 */
import { builtin, countFlops, Graph, initWeights, Rng, Weights } from '../graph';
import { buildModel } from '../model/build';
import { tf } from '../backend/tf';
import { KernelMode } from '../backend/kernels';
import { initBackend, TrainBackendName, useKernels } from '../backend/select';
import { median } from './stats';
import { chooseRunBackend } from './backend-choice';
import { BackendChoice } from '../contracts/train';
import { graphTrainer } from './graph-trainer';
import { EngineName } from './trainer';

export interface BenchTrainOptions {
  arch: string;
  batch: number;
  steps: number;
  /** Untimed steps first (kernel setup, XNNPACK operator caches); default 3. */
  warmup?: number;
  /** wasm gradient kernels to time; ignored on other backends. Default: the active ones. */
  kernels?: KernelMode;
  /** The backend to start when none is yet (initBackend's `prefer`; `graph`: the graph engine). */
  backend?: TrainBackendName;
  seed?: number;
  /** Default 28x28x1 and 10 classes (the synthetic dataset). */
  inputShape?: number[];
  numClasses?: number;
}

export interface BenchTrainResult {
  arch: string;
  /** `graph` when the graph engine ran the steps, else the tfjs backend. */
  backend: string;
  /** What ran each step: the graph engine (one TensorFlow session run) or tfjs eager. */
  engine: EngineName;
  kernels: string;
  threads: number;
  batch: number;
  steps: number;
  samplesPerSec: number;
  /** Training GFLOP/s: forward multiply-adds × 2 × 3 × samples per second. */
  trainGflops: number;
  /** Training FLOPs per sample (6 × forward multiply-adds). */
  flopsPerSample: number;
  secondsPerStep: number;
  /** CPU seconds this process spent per step: on a shared machine the steadier figure. */
  cpuSecondsPerStep: number;
  /** Peak resident set of the whole process so far, in MiB. */
  peakRssMB: number;
  /** Which backend and why: asked for, the only one, or the faster in a probe (see backend-choice.ts). */
  choice: BackendChoice;
  /** tensorflow: the TensorFlow version, oneDNN, intra-op threads and the device ops ran on. */
  tensorflow?: { version: string; onednn: boolean; intraOpThreads: number; placedOn: string };
}

const MOMENTUM = { kind: 'sgd', lr: 0.01, momentum: 0.9, nesterov: false } as const;

export async function benchTrain(o: BenchTrainOptions): Promise<BenchTrainResult> {
  for (const [name, min] of [
    ['batch', 1],
    ['steps', 1],
    ['warmup', 0],
  ] as const) {
    const v = o[name] ?? min;
    if (!Number.isInteger(v) || v < min)
      throw new Error(`benchTrain: ${name} must be an integer ≥ ${min}, received ${v}`);
  }
  const inputShape = o.inputShape ?? [28, 28, 1];
  const numClasses = o.numClasses ?? 10;
  const g = builtin(o.arch, { inputShape, numClasses });
  const rng = new Rng(o.seed ?? 0);
  const weights = initWeights(g, rng);
  // As `netgrow train` does: the backend asked for, else the faster for this network and batch.
  const choice = await chooseRunBackend(
    { graph: g, weights, batch: o.batch, inputShape, classes: numClasses, optimizer: MOMENTUM },
    { prefer: o.backend },
  );
  const info = await initBackend({ kernels: o.kernels });
  if (info.name === 'wasm' && o.kernels) useKernels(o.kernels);
  const pixels = inputShape.reduce((a, b) => a * b, 1);
  const xs = Float32Array.from({ length: o.batch * pixels }, () => rng.normal());
  const ys = Int32Array.from({ length: o.batch }, () => rng.int(numClasses));
  const engine: EngineName = choice.name === 'graph' ? 'graph' : 'eager';
  const { step, dispose } =
    engine === 'graph'
      ? await graphSteps(g, weights, xs, ys, o.batch, inputShape, numClasses)
      : eagerSteps(g, weights, xs, ys, o.batch, inputShape, numClasses);
  try {
    for (let i = 0; i < (o.warmup ?? 3); i++) await step();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < o.steps; i++) await step();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const flopsPerSample = countFlops(g).trainFlops;
    const samplesPerSec = (o.steps * o.batch) / seconds;
    return {
      arch: o.arch,
      backend: engine === 'graph' ? 'graph' : info.name,
      engine,
      kernels: info.kernels,
      threads: info.threads,
      batch: o.batch,
      steps: o.steps,
      samplesPerSec,
      trainGflops: (samplesPerSec * flopsPerSample) / 1e9,
      flopsPerSample,
      secondsPerStep: seconds / o.steps,
      cpuSecondsPerStep: (cpu.user + cpu.system) / 1e6 / o.steps,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      choice,
      ...(info.tensorflow && {
        tensorflow: {
          version: info.tensorflow.version,
          onednn: info.tensorflow.onednn,
          intraOpThreads: info.tensorflow.intraOpThreads,
          placedOn: info.tensorflow.placedOn,
        },
      }),
    };
  } finally {
    dispose();
  }
}

interface Steps {
  step: () => void | Promise<void>;
  dispose: () => void;
}

/** tfjs eager: tfjs's own momentum optimizer minimising the cross-entropy. */
function eagerSteps(
  g: Graph,
  weights: Weights,
  xs: Float32Array,
  ys: Int32Array,
  batch: number,
  inputShape: number[],
  numClasses: number,
): Steps {
  const model = buildModel(g, weights, { logits: true });
  const x = tf.tensor(xs, [batch, ...inputShape]);
  const labels = tf.tensor1d(ys, 'int32');
  const y = tf.oneHot(labels, numClasses);
  const opt = tf.train.momentum(MOMENTUM.lr, MOMENTUM.momentum);
  return {
    step: () => {
      const loss = opt.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
        true,
      )!;
      loss.dataSync();
      loss.dispose();
    },
    dispose: () => {
      tf.dispose([x, labels, y]);
      opt.dispose();
      model.dispose();
    },
  };
}

async function graphSteps(
  g: Graph,
  weights: Weights,
  xs: Float32Array,
  ys: Int32Array,
  batch: number,
  inputShape: number[],
  numClasses: number,
): Promise<Steps> {
  const trainer = await graphTrainer(g, weights, {
    optimizer: MOMENTUM,
    inputShape,
    classes: numClasses,
    l2: 0,
  });
  const b = { x: xs, y: ys, rows: batch, labelled: batch };
  return {
    step: async () => {
      await trainer.step(b, MOMENTUM.lr);
    },
    dispose: () => trainer.dispose(),
  };
}

export interface BenchCompareResult {
  /** Every run, in the order they ran: fast, shim, fast, shim, … */
  runs: BenchTrainResult[];
  /** Median over the rounds of shim time / fast time per step, by wall clock and by CPU time. */
  speedup: number;
  speedupCpu: number;
}

/**
 * netgrow's kernels against the shims, interleaved round by round in one process so that both
 * sides see the same machine state and the same JIT warmth (the first run in a process pays
 * for V8 tiering up the wasm code, which a single fast-then-shim pair would charge to one side).
 */
export async function benchCompare(
  o: Omit<BenchTrainOptions, 'kernels'> & { rounds?: number },
): Promise<BenchCompareResult> {
  const rounds = o.rounds ?? 3;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`benchCompare: rounds must be an integer ≥ 1, received ${rounds}`);
  const runs: BenchTrainResult[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // netgrow's wasm kernels against the shims: wasm whatever the default backend is.
    const fast = await benchTrain({ ...o, kernels: 'fast', backend: 'wasm' });
    const shim = await benchTrain({ ...o, kernels: 'shim', backend: 'wasm' });
    runs.push(fast, shim);
    wall.push(shim.secondsPerStep / fast.secondsPerStep);
    cpu.push(shim.cpuSecondsPerStep / fast.cpuSecondsPerStep);
  }
  return { runs, speedup: median(wall), speedupCpu: median(cpu) };
}
