/**
 * The compiled CLI (what `npm run build` gives the trainer and worker images) runs: tsc output
 * plus the SIMD kernels' .wasm, started the way bin/netgrow.js starts it (with tsx's require
 * hook, which tfjs-core's ES-module-only registrations need). Compiled into a private folder,
 * never dist/, which bin/netgrow.js would prefer for every other test. It trains a benchmark
 * step and runs a tiny embedded search (dev server, workers, training, finalists' test).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';

const root = join(__dirname, '..', '..');
const out = join(root, '.tools', `dist-test-${process.pid}`);
after(() => rmSync(out, { recursive: true, force: true }));

before(() => {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root, '--outDir', out],
    {
      cwd: root,
      stdio: 'pipe',
    },
  );
  const assembly = join(out, 'src', 'backend', 'assembly');
  mkdirSync(assembly, { recursive: true });
  for (const f of ['netgrow-kernels.wasm', 'netgrow-kernels-shared.wasm'])
    cpSync(join(root, 'src', 'backend', 'assembly', f), join(assembly, f));
});

/** `netgrow …` from the compiled output, as bin/netgrow.js starts it. */
function compiled(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, [join(root, 'bin', 'netgrow.js'), ...args], {
    cwd: opts.cwd ?? root,
    encoding: 'utf8',
    env: { ...(opts.env ?? process.env), NETGROW_DIST: out, NETGROW_FROM_SOURCE: '' },
  });
}

test('the compiled CLI trains a benchmark step on wasm with netgrow kernels', () => {
  const r = compiled('bench train --arch lenet --batch 4 --steps 1 --warmup 0 --json'.split(' '), {
    env: { ...process.env, NETGROW_BACKEND: 'wasm' },
  });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { backend: string; kernels: string; samplesPerSec: number };
  assert.equal(res.backend, 'wasm');
  assert.equal(res.kernels, 'fast');
  assert.ok(res.samplesPerSec > 0);
});

test('the compiled CLI runs an embedded search: the Temporal CLI is found from the package root', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'netgrow-compiled-search-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = {
    name: 'compiled',
    seed: 3,
    dataset: { name: 'synthetic:8x8x1:128:4c', validation: 0.25 },
    start: { arch: 'seed-ga' },
    strategy: { kind: 'ga', population: 1, generations: 1 },
    train: { epochs: 1, batchSize: 32, maxSteps: 2 },
    executor: { kind: 'inprocess', parallelism: 1 },
    storage: { uri: 'file://./runs' },
  };
  await writeFile(join(dir, 'search.json'), JSON.stringify(config));
  // Only the package's .tools/bin/temporal: a `temporal` on PATH would hide a wrong path.
  const PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => !existsSync(join(d, 'temporal')))
    .join(delimiter);
  const r = compiled(['search', '--config', 'search.json', '--headless'], {
    cwd: dir,
    env: { ...process.env, PATH, TEMPORAL_CLI: '' },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /search finished \(generations\): 2 candidates over 2 generations/);
  assert.match(r.stdout, /^test accuracy of the finalists, scored once after the search/m);
});
