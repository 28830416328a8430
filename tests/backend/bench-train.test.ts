/** `netgrow bench train --kernels both`: interleaved rounds and a median ratio, in-process and from the CLI. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { benchCompare } from '../../src/train/bench';

test('benchCompare interleaves fast and shim rounds and reports median ratios', async () => {
  const c = await benchCompare({ arch: 'lenet', batch: 4, steps: 1, warmup: 0, rounds: 2 });
  assert.deepEqual(
    c.runs.map((r) => r.kernels),
    ['fast', 'shim', 'fast', 'shim'],
  );
  for (const r of c.runs) {
    assert.equal(r.backend, 'wasm');
    assert.ok(r.samplesPerSec > 0 && r.flopsPerSample > 0 && r.peakRssMB > 0);
  }
  for (const s of [c.speedup, c.speedupCpu]) assert.ok(Number.isFinite(s) && s > 0, `ratio ${s}`);
  await assert.rejects(benchCompare({ arch: 'lenet', batch: 4, steps: 1, rounds: 0 }), /rounds must be/);
});

test('the CLI prints one JSON object with every run and the ratio', () => {
  const r = spawnSync(
    process.execPath,
    [
      join(__dirname, '..', '..', 'bin', 'netgrow.js'),
      ...'bench train --arch lenet --batch 4 --steps 1 --warmup 0 --rounds 1 --kernels both --json'.split(
        ' ',
      ),
    ],
    { encoding: 'utf8', env: { ...process.env, NETGROW_BACKEND: 'wasm' } },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    runs: Array<{ kernels: string }>;
    speedup: number;
    speedupCpu: number;
  };
  assert.deepEqual(
    out.runs.map((x) => x.kernels),
    ['fast', 'shim'],
  );
  assert.ok(out.speedup > 0 && out.speedupCpu > 0);
});
