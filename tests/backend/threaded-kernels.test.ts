/** netgrow's SIMD kernels on the threaded wasm build (shared memory), against cpu, in a fresh process. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('with 2 wasm threads the SIMD kernels give the cpu gradients of a LeNet block', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, NETGROW_WASM_THREADS: '2', NETGROW_BACKEND: 'wasm' };
  delete env.NETGROW_WASM_KERNELS;
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'threaded-kernels.fixture.ts')],
    { env, timeout: 120_000 },
  );
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    info: { name: string; threads: number; kernels: string };
    errors: number[];
  };
  assert.deepEqual([out.info.name, out.info.threads, out.info.kernels], ['wasm', 2, 'fast']);
  ['dx', 'dW conv1', 'db conv1', 'dW conv2'].forEach((what, i) =>
    assert.ok(out.errors[i] <= 1e-4, `${what}: relative error ${out.errors[i]}`),
  );
});
