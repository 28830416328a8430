/**
 * The graph engine (src/engine) next to Keras 3 on the same TensorFlow, PyTorch and netgrow's
 * eager `tensorflow` backend: training samples/s of the same builtins (28x28x1, 10 classes),
 * the same batch, optimizer (SGD, lr 0.01, momentum 0.9, softmax cross-entropy on one synthetic
 * batch), warm-up and thread count (intra- and inter-op), and each one's peak RSS. Every
 * measurement is a fresh process under /usr/bin/time; the runners are interleaved round by
 * round, the order rotating, so that each sees the same machine state. Medians per cell.
 * Not part of CI: the peers need their venv (bench/peers/setup.sh), the engine its addon
 * (scripts/build-native.sh).
 *
 *   npx tsx bench/graph-engine.ts [--rounds 3] [--steps 10] [--warmup 3] [--threads 1,2]
 *                                 [--archs lenet,vgg8,resnet-s,seed-ga]
 *   npx tsx bench/graph-engine.ts --profile vgg8 [--threads 1]   # the engine's step, kernel by kernel
 *                                                                   (bench/engine-profile.py)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OptimizerSpec } from '../src/contracts/train';
import { openEngine } from '../src/engine/engine';
import { loadGraphAddon } from '../src/engine/native';
import { builtin, initWeights, Rng } from '../src/graph';
import { median } from '../src/train/stats';

const BATCH: Record<string, number> = { lenet: 64, vgg8: 32, 'resnet-s': 32, 'seed-ga': 64 };
const RUNNERS = ['engine', 'Keras', 'PyTorch', 'netgrow tensorflow'] as const;
type Runner = (typeof RUNNERS)[number];
interface Sample {
  samplesPerSec: number;
  rssMB: number;
}

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1,2' },
    archs: { type: 'string', default: 'lenet,vgg8,resnet-s,seed-ga' },
    // One engine measurement in this process (what the parent runs under /usr/bin/time).
    one: { type: 'string' },
    profile: { type: 'string' },
  },
});
const [steps, warmup, rounds] = [values.steps, values.warmup, values.rounds].map(Number);

/** The engine as every measurement opens it: the builtin, SGD with momentum, the threads. */
async function benchEngine(arch: string, threads: number) {
  const { addon, why } = loadGraphAddon();
  if (!addon) throw new Error(why);
  const g = builtin(arch, { inputShape: [28, 28, 1], numClasses: 10 });
  const e = await openEngine(addon, g, initWeights(g, new Rng(1)), {
    optimizer: OptimizerSpec.parse({ kind: 'sgd', lr: 0.01, momentum: 0.9 }),
    threads,
    interOpThreads: threads,
  });
  return { addon, e };
}

/** The engine's own measurement: the same loop as bench/peers/peers.py. */
async function engineOnce(arch: string, threads: number): Promise<void> {
  const batch = BATCH[arch] ?? 32;
  const { addon, e } = await benchEngine(arch, threads);
  const r = new Rng(2);
  const x = Float32Array.from({ length: batch * 784 }, () => r.normal());
  const y = Int32Array.from({ length: batch }, () => r.int(10));
  for (let i = 0; i < warmup; i++) await e.step(x, y, batch, 0.01);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await e.step(x, y, batch, 0.01);
  const seconds = (performance.now() - t0) / 1000;
  e.close();
  console.log(
    JSON.stringify({ samplesPerSec: (steps * batch) / seconds, version: `TensorFlow ${addon.version()}` }),
  );
}

const root = join(__dirname, '..');
const versions = new Map<Runner, string>();

function measure(runner: Runner, arch: string, threads: number, python: string): Sample {
  const batch = BATCH[arch] ?? 32;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CPP_MIN_LOG_LEVEL: '2',
    TF_NUM_INTRAOP_THREADS: String(threads),
    TF_NUM_INTEROP_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  };
  let cmd: string[];
  if (runner === 'engine') {
    cmd = [process.execPath, '--import', 'tsx', __filename, '--one', arch, '--threads', String(threads)];
    cmd.push('--steps', String(steps), '--warmup', String(warmup));
  } else if (runner === 'netgrow tensorflow') {
    cmd = [process.execPath, join(root, 'bin', 'netgrow.js'), 'bench', 'train', '--arch', arch];
    cmd.push('--batch', String(batch), '--steps', String(steps), '--warmup', String(warmup), '--json');
    env.NETGROW_BACKEND = 'tensorflow';
  } else {
    cmd = [python, join(root, 'bench', 'peers', 'peers.py'), runner === 'PyTorch' ? 'torch' : 'keras'];
    cmd.push(String(batch), String(steps), String(threads), String(warmup));
  }
  const dir = mkdtempSync(join(tmpdir(), 'netgrow-bench-'));
  try {
    const out = execFileSync('/usr/bin/time', ['-f', '%M', '-o', join(dir, 'rss'), ...cmd], {
      env,
      cwd: root,
      input:
        runner === 'Keras' || runner === 'PyTorch'
          ? JSON.stringify(builtin(arch, { inputShape: [28, 28, 1], numClasses: 10 }))
          : '',
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as {
      samplesPerSec: number;
      version?: string;
      tensorflow?: { version: string };
    };
    versions.set(runner, r.version ?? (r.tensorflow ? `TensorFlow ${r.tensorflow.version}` : '?'));
    return {
      samplesPerSec: r.samplesPerSec,
      rssMB: Number(readFileSync(join(dir, 'rss'), 'utf8').trim()) / 1024,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const archs = values.archs.split(',');
  const threadCounts = values.threads.split(',').map(Number);
  const python = execFileSync('bash', [join(root, 'bench', 'peers', 'setup.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1)!;
  const samples = new Map<string, Sample[]>();
  const loads: number[] = [loadavg()[0]];
  const started = new Date().toISOString();
  for (let round = 0; round < rounds; round++) {
    for (const threads of threadCounts) {
      for (const arch of archs) {
        const order = RUNNERS.map((_, i) => RUNNERS[(i + round) % RUNNERS.length]);
        for (const runner of order) {
          const key = `${threads}|${arch}|${runner}`;
          try {
            const s = measure(runner, arch, threads, python);
            samples.set(key, [...(samples.get(key) ?? []), s]);
            console.error(
              `round ${round + 1}, ${threads} thread(s), ${arch}, ${runner}: ${s.samplesPerSec.toFixed(0)} samples/s, ${s.rssMB.toFixed(0)} MB`,
            );
          } catch (e) {
            console.error(`${runner} on ${arch} failed: ${(e as Error).message.split('\n')[0]}`);
          }
          loads.push(loadavg()[0]);
        }
      }
    }
  }
  const med = (threads: number, arch: string, r: Runner, f: (s: Sample) => number) => {
    const s = samples.get(`${threads}|${arch}|${r}`);
    return s?.length ? median(s.map(f)) : NaN;
  };
  const n0 = (v: number) => (Number.isNaN(v) ? 'failed' : v.toFixed(0));
  console.log(
    `\n${started}: ${rounds} rounds of ${steps} steps (${warmup} warm-up) per cell; 1-minute load average ` +
      `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (median ${median(loads).toFixed(1)}) on ${
        process.env.HOSTNAME ?? 'this machine'
      }`,
  );
  console.log(`versions: ${RUNNERS.map((r) => `${r}: ${versions.get(r) ?? '?'}`).join('; ')}\n`);
  console.log(
    `| threads | network, batch | ${RUNNERS.join(' | ')} | engine ÷ Keras | engine ÷ PyTorch | peak RSS MB (${RUNNERS.join(' / ')}) |`,
  );
  console.log(`| --- | --- | ${RUNNERS.map(() => '---').join(' | ')} | --- | --- | --- |`);
  for (const threads of threadCounts) {
    for (const arch of archs) {
      const sps = RUNNERS.map((r) => med(threads, arch, r, (s) => s.samplesPerSec));
      const rss = RUNNERS.map((r) => n0(med(threads, arch, r, (s) => s.rssMB)));
      console.log(
        `| ${threads} | ${arch}, ${BATCH[arch] ?? 32} | ${sps.map(n0).join(' | ')} | ${(sps[0] / sps[1]).toFixed(2)}x | ` +
          `${(sps[0] / sps[2]).toFixed(2)}x | ${rss.join(' / ')} |`,
      );
    }
  }
}

/** The engine's step graph traced kernel by kernel by bench/engine-profile.py (.tools/venv's TensorFlow). */
async function profile(arch: string, threads: number): Promise<void> {
  const { e } = await benchEngine(arch, threads);
  const step = e.stepGraph();
  e.close();
  const dir = mkdtempSync(join(tmpdir(), 'netgrow-profile-'));
  try {
    writeFileSync(join(dir, 'step.pb'), step.graphDef);
    writeFileSync(join(dir, 'step.json'), JSON.stringify({ ...step, graphDef: undefined }));
    const python = join(root, '.tools', 'venv', 'bin', 'python');
    console.log(
      `${arch}, batch ${BATCH[arch] ?? 32}, the graph engine's training step (${new Date().toISOString()})`,
    );
    execFileSync(
      python,
      [join(root, 'bench', 'engine-profile.py'), dir, String(BATCH[arch] ?? 32), String(threads)],
      {
        stdio: 'inherit',
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.profile) {
  profile(values.profile, Number(values.threads)).catch((e: Error) => {
    console.error(e.message.split('\n')[0]);
    process.exit(1);
  });
} else if (values.one) {
  engineOnce(values.one, Number(values.threads)).catch((e: Error) => {
    console.error(e.message.split('\n')[0]);
    process.exit(1);
  });
} else {
  main();
}
