/**
 * Training throughput on wasm with netgrow's gradient kernels against the shims, in one process
 * and interleaved (fast, shim, fast, shim, …) so that both sides see the same machine state.
 *
 *   npx tsx bench/train.ts [arch=lenet] [batch=64] [steps=20] [rounds=3]
 *
 * Prints every round and the median ratio, by wall clock and by CPU time of this process (the
 * steadier one on a shared machine; the same thing with one wasm thread and idle cores).
 */
import { benchTrain, BenchTrainResult } from '../src/backend';

async function main(): Promise<void> {
  const [arch = 'lenet', batch = '64', steps = '20', rounds = '3'] = process.argv.slice(2);
  const runs: Record<'fast' | 'shim', BenchTrainResult[]> = { fast: [], shim: [] };
  for (let r = 0; r < Number(rounds); r++) {
    for (const kernels of ['fast', 'shim'] as const) {
      const res = await benchTrain({ arch, batch: Number(batch), steps: Number(steps), kernels });
      runs[kernels].push(res);
      console.log(
        `round ${r + 1} ${kernels}: ${res.samplesPerSec.toFixed(1)} samples/s, ${res.trainGflops.toFixed(2)} GFLOP/s, ` +
          `${(res.secondsPerStep * 1000).toFixed(1)} ms/step (${(res.cpuSecondsPerStep * 1000).toFixed(1)} ms CPU), ` +
          `peak RSS ${res.peakRssMB.toFixed(0)} MB`,
      );
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const wall = median(runs.shim.map((s, i) => s.secondsPerStep / runs.fast[i].secondsPerStep));
  const cpu = median(runs.shim.map((s, i) => s.cpuSecondsPerStep / runs.fast[i].cpuSecondsPerStep));
  const f = runs.fast[0];
  console.log(
    `${arch} batch ${batch} on ${f.backend} (${f.threads} thread${f.threads === 1 ? '' : 's'}): ` +
      `netgrow's kernels ${wall.toFixed(2)}x the shims by wall clock, ${cpu.toFixed(2)}x by CPU time ` +
      `(median of ${rounds} interleaved rounds)`,
  );
}

void main();
