/**
 * Training throughput on wasm with netgrow's gradient kernels against the shims, in one process
 * and interleaved (fast, shim, fast, shim, …) so that both sides see the same machine state.
 *
 *   npx tsx bench/train.ts [arch=lenet] [batch=64] [steps=20] [rounds=3]
 *
 * Prints every round and the median ratio, by wall clock and by CPU time of this process (the
 * steadier one on a shared machine; it also counts V8's own background threads: GC, compiler).
 */
import { benchCompare } from '../src/train/bench';

async function main(): Promise<void> {
  const [arch = 'lenet', batch = '64', steps = '20', rounds = '3'] = process.argv.slice(2);
  const res = await benchCompare({
    arch,
    batch: Number(batch),
    steps: Number(steps),
    rounds: Number(rounds),
  });
  res.runs.forEach((r, i) =>
    console.log(
      `round ${(i >> 1) + 1} ${r.kernels}: ${r.samplesPerSec.toFixed(1)} samples/s, ${r.trainGflops.toFixed(2)} GFLOP/s, ` +
        `${(r.secondsPerStep * 1000).toFixed(1)} ms/step (${(r.cpuSecondsPerStep * 1000).toFixed(1)} ms CPU), ` +
        `peak RSS ${r.peakRssMB.toFixed(0)} MB`,
    ),
  );
  const f = res.runs[0];
  console.log(
    `${arch} batch ${batch} on ${f.backend} (${f.threads} thread${f.threads === 1 ? '' : 's'}): ` +
      `netgrow's kernels ${res.speedup.toFixed(2)}x the shims by wall clock, ${res.speedupCpu.toFixed(2)}x by CPU time ` +
      `(median of ${rounds} interleaved rounds)`,
  );
}

void main();
