/**
 * netgrow next to its peers: training samples/s of the same builtins in netgrow `wasm`, netgrow
 * `tensorflow`, PyTorch and Keras 3 (TensorFlow), with the same shapes (28x28x1, 10 classes),
 * batch, optimizer (SGD, momentum 0.9, softmax cross-entropy), warm-up and thread count.
 * Every measurement is a fresh process; the four runners are interleaved round by round (the
 * order rotating) so that each sees the same machine state. Prints the median per cell and the
 * ratio to PyTorch. Not part of CI: the peers need their own venv (bench/peers/setup.sh).
 *
 *   npx tsx bench/peers/run.ts [--steps 10] [--rounds 3] [--threads 2] [--archs lenet,vgg8,resnet-s,seed-ga]
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { builtin } from '../../src/graph';
import { median } from '../../src/train/stats';

const BATCH: Record<string, number> = { lenet: 64, vgg8: 32, 'resnet-s': 32, 'seed-ga': 64 };
const RUNNERS = ['netgrow wasm', 'netgrow tensorflow', 'PyTorch', 'Keras'] as const;
type Runner = (typeof RUNNERS)[number];

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    archs: { type: 'string', default: 'lenet,vgg8,resnet-s,seed-ga' },
  },
});
const [steps, warmup, rounds, threads] = [values.steps, values.warmup, values.rounds, values.threads].map(
  Number,
);
const archs = values.archs.split(',');
const root = join(__dirname, '..', '..');
const python = execFileSync('bash', [join(__dirname, 'setup.sh')], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .at(-1)!;
const versions = new Map<Runner, string>();

function measure(runner: Runner, arch: string): number {
  const batch = BATCH[arch] ?? 32;
  const env = {
    ...process.env,
    // One thread count for everyone: TensorFlow's pools (netgrow tensorflow, Keras), XNNPACK's.
    TF_NUM_INTRAOP_THREADS: String(threads),
    TF_NUM_INTEROP_THREADS: String(threads),
    NETGROW_WASM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  };
  if (runner.startsWith('netgrow')) {
    const backend = runner === 'netgrow wasm' ? 'wasm' : 'tensorflow';
    const out = execFileSync(
      process.execPath,
      [join(root, 'bin', 'netgrow.js'), 'bench', 'train', '--arch', arch, '--batch', String(batch)].concat([
        '--steps',
        String(steps),
        '--warmup',
        String(warmup),
        '--json',
      ]),
      { env: { ...env, NETGROW_BACKEND: backend }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const r = JSON.parse(out) as { samplesPerSec: number; threads: number; tensorflow?: { version: string } };
    versions.set(
      runner,
      r.tensorflow ? `TensorFlow ${r.tensorflow.version}, ${r.threads} threads` : `${r.threads} threads`,
    );
    return r.samplesPerSec;
  }
  const framework = runner === 'PyTorch' ? 'torch' : 'keras';
  const graph = JSON.stringify(builtin(arch, { inputShape: [28, 28, 1], numClasses: 10 }));
  const out = execFileSync(
    python,
    [join(__dirname, 'peers.py'), framework, String(batch), String(steps), String(threads), String(warmup)],
    { env, input: graph, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] },
  );
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { samplesPerSec: number; version: string };
  versions.set(runner, r.version);
  return r.samplesPerSec;
}

const samples = new Map<string, number[]>();
const load0 = loadavg()[0];
const started = new Date().toISOString();
for (let round = 0; round < rounds; round++) {
  for (const arch of archs) {
    const order = RUNNERS.map((_, i) => RUNNERS[(i + round) % RUNNERS.length]);
    for (const runner of order) {
      const key = `${arch}|${runner}`;
      let v: number;
      try {
        v = measure(runner, arch);
      } catch (e) {
        console.error(`${runner} on ${arch} failed: ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
      samples.set(key, [...(samples.get(key) ?? []), v]);
      console.error(`round ${round + 1} ${arch} ${runner}: ${v.toFixed(0)} samples/s`);
    }
  }
}
const cell = (arch: string, runner: Runner) => {
  const s = samples.get(`${arch}|${runner}`);
  return s?.length ? median(s) : NaN;
};
console.log(
  `\n${started}, ${rounds} rounds of ${steps} steps (${warmup} warm-up), ${threads} threads, load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
);
console.log(`versions: ${RUNNERS.map((r) => `${r}: ${versions.get(r) ?? '?'}`).join('; ')}\n`);
console.log(`| network, batch | ${RUNNERS.join(' | ')} |`);
console.log(`| --- | ${RUNNERS.map(() => '---').join(' | ')} |`);
for (const arch of archs) {
  const torch = cell(arch, 'PyTorch');
  const cells = RUNNERS.map((r) => {
    const v = cell(arch, r);
    if (Number.isNaN(v)) return 'failed';
    return r === 'PyTorch' ? v.toFixed(0) : `${v.toFixed(0)} (${(v / torch).toFixed(2)}x)`;
  });
  console.log(`| ${arch}, ${BATCH[arch] ?? 32} | ${cells.join(' | ')} |`);
}
