/**
 * Does the per-run backend choice (src/train/backend-choice.ts) pick a backend that is never
 * more than 10% slower than the other? For each builtin: a fresh `netgrow bench train --json`
 * with an empty probe cache (the probe chooses; its own step times are printed), then both
 * backends pinned, interleaved round by round, every measurement a fresh process. Prints the
 * choice, the probe's ms/step and the measured samples/s of each backend (median of rounds),
 * and the chosen backend's share of the faster one.
 *
 *   npx tsx bench/backend-choice.ts [--archs lenet,vgg8,resnet-s,seed-ga,mlp] [--rounds 2] [--steps 10]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendChoice } from '../src/contracts/train';
import { median } from '../src/train/stats';

const BATCH: Record<string, number> = { lenet: 64, vgg8: 32, 'resnet-s': 32, 'seed-ga': 64, mlp: 64 };
const { values } = parseArgs({
  options: {
    archs: { type: 'string', default: 'lenet,vgg8,resnet-s,seed-ga,mlp' },
    rounds: { type: 'string', default: '2' },
    steps: { type: 'string', default: '10' },
  },
});
const cli = join(__dirname, '..', 'bin', 'netgrow.js');

function bench(arch: string, backend?: string, cacheDir?: string) {
  const args = [
    'bench',
    'train',
    '--arch',
    arch,
    '--batch',
    String(BATCH[arch] ?? 32),
    '--steps',
    values.steps,
    '--json',
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NETGROW_CACHE_DIR: cacheDir ?? mkdtempSync(join(tmpdir(), 'netgrow-probe-')),
  };
  delete env.NETGROW_BACKEND;
  const out = execFileSync(process.execPath, [cli, ...args, ...(backend ? ['--backend', backend] : [])], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out) as { samplesPerSec: number; backend: string; choice: BackendChoice };
}

const load0 = loadavg()[0];
console.log(
  `${new Date().toISOString()}, ${values.rounds} rounds of ${values.steps} steps, load ${load0.toFixed(1)}`,
);
console.log(
  '| network, batch | chosen (probe ms/step) | tensorflow samples/s | wasm samples/s | chosen / faster |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const arch of values.archs.split(',')) {
  const chosen = bench(arch);
  const seen: Record<string, number[]> = { tensorflow: [], wasm: [] };
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const b of r % 2 ? ['wasm', 'tensorflow'] : ['tensorflow', 'wasm'])
      seen[b].push(bench(arch, b).samplesPerSec);
  }
  const tf = median(seen.tensorflow);
  const wasm = median(seen.wasm);
  const mine = chosen.backend === 'tensorflow' ? tf : wasm;
  const probe = Object.entries(chosen.choice.msPerStep ?? {})
    .map(([n, ms]) => `${n} ${ms}`)
    .join(', ');
  console.log(
    `| ${arch}, ${BATCH[arch] ?? 32} | ${chosen.backend} (${probe}) | ${tf.toFixed(0)} | ${wasm.toFixed(0)} | ${((100 * mine) / Math.max(tf, wasm)).toFixed(0)}% |`,
  );
}
console.log(`load at the end ${loadavg()[0].toFixed(1)}`);
