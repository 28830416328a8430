/**
 * initBackend in fresh processes: the preference order (tensorflow hidden by NETGROW_NATIVE=off
 * where it matters, so wasm; native.test.ts covers tensorflow itself), overrides by option and environment, one-line errors, one log line, idempotence, and
 * the threaded wasm build starting and letting its process exit.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { BackendInfo } from '../../src/backend';

const run = promisify(execFile);
const fixture = join(__dirname, 'init-backend.fixture.ts');

interface Outcome {
  results: Array<{ info?: BackendInfo; error?: string }>;
  lines: string[];
  same: boolean;
}

async function init(calls: object[], env: Record<string, string> = {}): Promise<Outcome> {
  const clean = { ...process.env };
  for (const k of ['NETGROW_BACKEND', 'NETGROW_WASM_KERNELS', 'NETGROW_WASM_THREADS', 'NETGROW_NATIVE'])
    delete clean[k];
  // The timeout is the test that the process exits on its own (the threaded pool is unref'd).
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(calls)], {
    env: { ...clean, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcome;
}

describe('initBackend', () => {
  test('prefers tensorflow, falls back to wasm with netgrow fast kernels, logs once, same answer twice', async () => {
    const o = await init([{}, {}], { NETGROW_NATIVE: 'off' });
    const info = o.results[0].info!;
    assert.deepEqual(info, { name: 'wasm', kernels: 'fast', threads: 1, simd: true });
    assert.deepEqual(o.results[1].info, info);
    assert.ok(o.same, 'the second call returns the same object');
    assert.equal(o.lines.length, 1);
    assert.match(o.lines[0], /^backend: wasm \(SIMD, 1 thread, netgrow fast gradient kernels\)/);
    assert.match(o.lines[0], /skipped tensorflow: off \(NETGROW_NATIVE=off\)/);
  });

  test('NETGROW_BACKEND and the options override the order', async () => {
    const cpu = await init([{}], { NETGROW_BACKEND: 'cpu' });
    assert.deepEqual(cpu.results[0].info, { name: 'cpu', kernels: 'native', threads: 1, simd: false });
    assert.match(cpu.lines[0], /^backend: cpu/);
    const shim = await init([{ prefer: 'wasm', kernels: 'shim' }], { NETGROW_BACKEND: 'cpu' });
    assert.equal(shim.results[0].info!.name, 'wasm');
    assert.equal(shim.results[0].info!.kernels, 'shim');
  });

  test('bad names are one-line errors that say what to use', async () => {
    const o = await init([{}], { NETGROW_BACKEND: 'gpu' });
    assert.equal(
      o.results[0].error,
      "NETGROW_BACKEND 'gpu' is not a backend: use tensorflow, wasm, cpu or graph",
    );
    const k = await init([{ kernels: 'quick' }]);
    assert.equal(k.results[0].error, "kernels 'quick' is not a kernel set: use fast or shim");
    const t = await init([{}], { NETGROW_WASM_THREADS: '0' });
    assert.equal(t.results[0].error, "NETGROW_WASM_THREADS must be an integer from 1 to 8, received '0'");
  });

  test('tensorflow on request fails clearly when unavailable, and does not poison the next call', async () => {
    const o = await init([{ prefer: 'tensorflow' }, {}], { NETGROW_NATIVE: 'off' });
    assert.equal(o.results[0].error!, 'backend tensorflow could not start: off (NETGROW_NATIVE=off)');
    assert.equal(o.results[1].info!.name, 'wasm');
  });

  test('NETGROW_WASM_THREADS=2 starts the threaded SIMD build, and the process still exits', async () => {
    const o = await init([{}], { NETGROW_WASM_THREADS: '2', NETGROW_NATIVE: 'off' });
    assert.deepEqual(o.results[0].info, { name: 'wasm', kernels: 'fast', threads: 2, simd: true });
    assert.match(o.lines.at(-1)!, /SIMD, 2 threads/);
  });
});
