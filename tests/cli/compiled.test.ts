/**
 * The compiled CLI (what `npm run build` gives the trainer and worker images) runs: tsc output
 * plus the SIMD kernels' .wasm, started the way bin/netgrow.js starts it (with tsx's require
 * hook, which tfjs-core's ES-module-only registrations need). Compiled into a private folder,
 * never dist/, which bin/netgrow.js would prefer for every other test.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = join(__dirname, '..', '..');
const out = join(root, '.tools', `dist-test-${process.pid}`);
after(() => rmSync(out, { recursive: true, force: true }));

test('the compiled CLI trains a benchmark step on wasm with netgrow kernels', () => {
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
  const r = spawnSync(
    process.execPath,
    [
      '-r',
      'tsx/cjs',
      join(out, 'src', 'cli', 'main.js'),
      ...'bench train --arch lenet --batch 4 --steps 1 --warmup 0 --json'.split(' '),
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NETGROW_BACKEND: 'wasm' } },
  );
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { backend: string; kernels: string; samplesPerSec: number };
  assert.equal(res.backend, 'wasm');
  assert.equal(res.kernels, 'fast');
  assert.ok(res.samplesPerSec > 0);
});
