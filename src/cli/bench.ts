/**
 * `netgrow bench train`: training throughput of a builtin on synthetic data. `--kernels both`
 * runs netgrow's wasm gradient kernels and the obvious shims interleaved in one process, so
 * the ratio comes from one run on one machine state.
 */
import { benchCompare, benchTrain, BenchTrainResult } from '../train/bench';
import { datasetEntry } from '../data';
import { UsageError } from '../contracts/errors';
import { parseFlags } from './flags';
import { TRAIN_BACKEND_NAMES, TrainBackendName } from '../backend';

export const help = `netgrow bench train --arch <builtin> [options] — training throughput

  --arch <name>        a builtin architecture (default lenet)
  --dataset <name>     synthetic data of this dataset's shape (default synthetic: 28x28x1, 10 classes)
  --batch <n>          batch size (default 64)
  --steps <n>          timed optimizer steps after the warm-up (default 20)
  --warmup <n>         untimed steps first (default 3)
  --kernels <k>        wasm gradient kernels: fast (netgrow's), shim (the obvious baseline), both
  --rounds <n>         with --kernels both: interleaved fast/shim rounds, median ratio (default 3)
  --backend <name>     tensorflow | wasm | cpu | graph (also NETGROW_BACKEND; default: the faster of
                       tensorflow and wasm for this network and batch, as netgrow train chooses;
                       "choice" says why); graph: the graph engine, each step one TensorFlow session run
  --json               one JSON object on stdout

Prints samples/s, training GFLOP/s (forward multiply-adds x2, x3 for a training step, counted
from the IR), the backend and peak RSS.`;

export async function run(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  if (what !== 'train')
    throw new UsageError(`unknown benchmark '${what ?? ''}'; try: netgrow bench train --arch lenet`);
  const values = parseFlags(rest, 'bench', {
    arch: { type: 'string', default: 'lenet' },
    dataset: { type: 'string', default: 'synthetic' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    kernels: { type: 'string', default: 'fast' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
  });
  const num = (name: 'batch' | 'steps' | 'warmup' | 'rounds', min: number): number => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`--${name} must be an integer ≥ ${min}, received '${values[name]}'`);
    return n;
  };
  if (!['fast', 'shim', 'both'].includes(values.kernels!)) {
    throw new UsageError(`--kernels must be fast, shim or both, received '${values.kernels}'`);
  }
  const backend = values.backend;
  if (backend !== undefined && !TRAIN_BACKEND_NAMES.includes(backend as TrainBackendName))
    throw new UsageError(`--backend must be tensorflow, wasm, cpu or graph, received '${backend}'`);
  const entry = datasetEntry(values.dataset!);
  const options = {
    arch: values.arch!,
    batch: num('batch', 1),
    steps: num('steps', 1),
    warmup: num('warmup', 0),
    inputShape: [...entry.inputShape],
    numClasses: entry.classNames.length,
  };
  const print = (r: BenchTrainResult) =>
    console.log(
      `${r.arch} batch ${r.batch} on ${r.backend} (${r.engine === 'graph' ? 'graph engine' : r.kernels}): ${r.samplesPerSec.toFixed(1)} samples/s, ` +
        `${r.trainGflops.toFixed(2)} GFLOP/s, ${(r.secondsPerStep * 1000).toFixed(1)} ms/step, peak RSS ${r.peakRssMB.toFixed(0)} MB`,
    );
  if (values.kernels !== 'both') {
    const r = await benchTrain({
      ...options,
      kernels: values.kernels as 'fast' | 'shim',
      backend: backend as TrainBackendName | undefined,
    });
    if (values.json) console.log(JSON.stringify(r));
    else {
      print(r);
      console.log(`backend ${r.choice.name}: ${r.choice.why}`);
    }
    return 0;
  }
  const c = await benchCompare({ ...options, rounds: num('rounds', 1) });
  if (values.json) console.log(JSON.stringify(c));
  else {
    c.runs.forEach(print);
    console.log(
      `netgrow's kernels vs the shims: ${c.speedup.toFixed(2)}x by wall clock, ${c.speedupCpu.toFixed(2)}x by CPU time ` +
        `(median of ${c.runs.length / 2} interleaved rounds)`,
    );
  }
  return 0;
}
