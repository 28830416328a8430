/**
 * One training step of netgrow `tensorflow` next to Keras 3 on the same TensorFlow, op kind by
 * op kind: netgrow's side from bench/step-profile.ts (the time around each synchronous
 * TFE_Execute of tfjs-node: the kernel plus eager dispatch), Keras' from TensorFlow's own
 * profiler (bench/peers/op-profile.py: kernel time inside its graph executor). Same network
 * (the netgrow IR), batch, SGD momentum 0.9, thread count; the two interleaved round by round,
 * every measurement a fresh process; the median of the rounds per cell. Prints a markdown table
 * per network, by category, with the op counts, and both sides' top ops.
 *
 *   npx tsx bench/peers/ops.ts [--archs lenet,vgg8,resnet-s] [--rounds 2] [--steps 5] [--threads 1]
 *
 * Python: .tools/peers-venv (bench/peers/setup.sh) when it exists, else .tools/venv (the tools
 * venv has the same tensorflow-cpu 2.21 and Keras 3; no PyTorch needed here).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { builtin } from '../../src/graph';
import { median } from '../../src/train/stats';

const BATCH: Record<string, number> = { lenet: 64, vgg8: 32, 'resnet-s': 32, 'seed-ga': 64 };
const { values } = parseArgs({
  options: {
    archs: { type: 'string', default: 'lenet,vgg8,resnet-s' },
    rounds: { type: 'string', default: '2' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
  },
});
const [rounds, steps, warmup, threads] = [values.rounds, values.steps, values.warmup, values.threads];
const root = join(__dirname, '..', '..');
const python = [
  join(root, '.tools', 'peers-venv', 'bin', 'python'),
  join(root, '.tools', 'venv', 'bin', 'python'),
].find((p) => existsSync(p));
if (!python) throw new Error('bench/peers/ops.ts: no Python venv with TensorFlow (run scripts/setup.sh)');

interface Profile {
  wallMs: number;
  insideMs: number;
  ops: Record<string, { count: number; ms: number }>;
}

/** Op kinds by what they compute; TensorFlow's oneDNN names (_MklNative…) map like the plain ones. */
const CATEGORIES: [string, RegExp][] = [
  ['conv forward (+ bias, relu where fused)', /^(_MklNative|_Mkl|_)?(Fused)?Conv2D$/],
  ['conv filter gradient', /Conv2DBackpropFilter/],
  ['conv input gradient', /Conv2DBackpropInput/],
  ['dense products, forward and both gradients', /MatMul/],
  ['pooling, forward and gradient', /Pool/],
  ['batch norm, forward and gradient', /BatchNorm/],
  ['relu and its gradient mask', /^(Relu|ReluGrad|Greater|Select|SelectV2)$/],
  ['bias add and bias gradient', /^(BiasAdd|BiasAddGrad)$/],
  ['variable reads and assigns', /VariableOp$/],
  ['the rest: loss, optimizer arithmetic, reductions, reshapes, casts', /./],
];
const category = (op: string) => CATEGORIES.find(([, re]) => re.test(op))![0];

function profile(side: 'netgrow' | 'keras', arch: string): Profile {
  const batch = String(BATCH[arch] ?? 32);
  const env = { ...process.env, TF_NUM_INTRAOP_THREADS: threads, TF_NUM_INTEROP_THREADS: threads };
  const out =
    side === 'netgrow'
      ? execFileSync(
          process.execPath,
          ['--import', 'tsx', join(root, 'bench', 'step-profile.ts'), arch, batch, steps, '--json'],
          {
            env: { ...env, NETGROW_BACKEND: 'tensorflow' },
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          },
        )
      : execFileSync(python!, [join(__dirname, 'op-profile.py'), batch, steps, threads, warmup], {
          env,
          input: JSON.stringify(builtin(arch, { inputShape: [28, 28, 1], numClasses: 10 })),
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'ignore'],
        });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Profile;
}

/** Per op kind and for the totals, the median over rounds. */
function medianProfile(ps: Profile[]): Profile {
  const kinds = new Set(ps.flatMap((p) => Object.keys(p.ops)));
  const ops: Profile['ops'] = {};
  for (const k of kinds) {
    const of = (f: 'count' | 'ms') => median(ps.map((p) => p.ops[k]?.[f] ?? 0));
    ops[k] = { count: of('count'), ms: of('ms') };
  }
  return { wallMs: median(ps.map((p) => p.wallMs)), insideMs: median(ps.map((p) => p.insideMs)), ops };
}

const byCategory = (p: Profile) => {
  const out = new Map<string, { count: number; ms: number }>(
    CATEGORIES.map(([c]) => [c, { count: 0, ms: 0 }]),
  );
  for (const [op, v] of Object.entries(p.ops)) {
    const c = out.get(category(op))!;
    c.count += v.count;
    c.ms += v.ms;
  }
  return out;
};

const load0 = loadavg()[0];
const started = new Date().toISOString();
const runs = new Map<string, Profile[]>();
for (let r = 0; r < Number(rounds); r++) {
  for (const arch of values.archs.split(',')) {
    const sides = r % 2 ? (['keras', 'netgrow'] as const) : (['netgrow', 'keras'] as const);
    for (const side of sides) {
      const p = profile(side, arch);
      runs.set(`${arch}|${side}`, [...(runs.get(`${arch}|${side}`) ?? []), p]);
      console.error(
        `round ${r + 1} ${arch} ${side}: ${p.wallMs.toFixed(1)} ms/step, ${p.insideMs.toFixed(1)} in ops`,
      );
    }
  }
}
console.log(
  `\n${started}, ${rounds} rounds of ${steps} steps, ${threads} thread(s), load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
);
const f = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(1));
for (const arch of values.archs.split(',')) {
  const n = medianProfile(runs.get(`${arch}|netgrow`)!);
  const k = medianProfile(runs.get(`${arch}|keras`)!);
  const [nc, kc] = [byCategory(n), byCategory(k)];
  const ops = (p: Profile) => Object.values(p.ops).reduce((a, o) => a + o.count, 0);
  console.log(`\n${arch}, batch ${BATCH[arch] ?? 32}: ops per step, ms per step (netgrow / Keras)\n`);
  console.log('| | netgrow tensorflow | Keras | ms ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const [c] of CATEGORIES) {
    const a = nc.get(c)!;
    const b = kc.get(c)!;
    if (a.count === 0 && b.count === 0) continue;
    const ratio = a.ms > 0 && b.ms > 0.005 ? `${(a.ms / b.ms).toFixed(1)}x` : '–';
    console.log(
      `| ${c} | ${f(a.count)} ops, ${a.ms.toFixed(2)} | ${f(b.count)} ops, ${b.ms.toFixed(2)} | ${ratio} |`,
    );
  }
  console.log(
    `| **inside ops** | ${f(ops(n))} ops, ${n.insideMs.toFixed(2)} | ${f(ops(k))} ops, ${k.insideMs.toFixed(2)} | ${(n.insideMs / k.insideMs).toFixed(1)}x |`,
  );
  console.log(
    `| **wall per step** | ${n.wallMs.toFixed(2)} | ${k.wallMs.toFixed(2)} | ${(n.wallMs / k.wallMs).toFixed(1)}x |`,
  );
  const top = (p: Profile) =>
    Object.entries(p.ops)
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 8)
      .map(([op, v]) => `${op} ${f(v.count)}× ${v.ms.toFixed(2)}`)
      .join(', ');
  console.log(`\nnetgrow top ops: ${top(n)}\nKeras top ops: ${top(k)}`);
}
