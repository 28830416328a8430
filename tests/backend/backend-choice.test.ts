/**
 * The per-run backend choice (src/train/backend-choice.ts) in fresh processes: with no backend
 * asked for, a probe times the run's network on tensorflow and wasm (and on the graph engine
 * where its addon is built) and the fastest is active, logged with every time and cached, so the next process reads the answer instead of probing;
 * a damaged cache file is probed over; an explicit backend skips all of it; with one backend
 * only, that one. `netgrow train` puts the choice in result.json, `netgrow bench train --json`
 * in its output. Small networks: the probe is what these tests pay for.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loadNative } from '../../src/backend/native';
import { loadGraphAddon } from '../../src/engine/native';
import type { BackendChoice } from '../../src/contracts/train';
import { skipWhen } from '../support/skip';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const fixture = join(__dirname, 'choose-backend.fixture.ts');
const native = loadNative();
const noNative = skipWhen('no-native', 'why' in native ? native.why : null);
/** The graph engine is a candidate beside tensorflow where its addon loads. */
const probed = loadGraphAddon().addon ? ['graph', 'tensorflow', 'wasm'] : ['tensorflow', 'wasm'];

interface Chosen {
  choice: BackendChoice;
  lines: string[];
  active: string;
  tensors: number;
}

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const k of ['NETGROW_BACKEND', 'NETGROW_NATIVE', 'NETGROW_WASM_THREADS', 'NETGROW_CACHE_DIR'])
    delete clean[k];
  return { ...clean, ...env };
}

async function choose(cacheDir: string, env: Record<string, string> = {}, arch = 'mlp'): Promise<Chosen> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, arch, '16', cacheDir], {
    env: cleanEnv(env),
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Chosen;
}

const probeFiles = (dir: string): string[] =>
  existsSync(join(dir, 'backend-probe')) ? readdirSync(join(dir, 'backend-probe')) : [];

describe('the per-run backend choice', () => {
  test(
    'probes every backend, keeps the fastest, logs every time, and caches the answer',
    { skip: noNative },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'netgrow-choice-'));
      const first = await choose(dir);
      const c = first.choice;
      assert.equal(c.how, 'probe');
      const ms = c.msPerStep!;
      assert.deepEqual(Object.keys(ms).sort(), probed);
      for (const v of Object.values(ms)) assert.ok(v > 0 && Number.isFinite(v), `ms/step ${v}`);
      const faster = Object.entries(ms).sort((a, b) => a[1] - b[1])[0][0];
      // The graph engine runs beside tfjs on tensorflow.
      const tfjs = faster === 'graph' ? 'tensorflow' : faster;
      assert.equal(c.name, faster, 'the fastest backend is chosen');
      assert.equal(first.active, tfjs, 'and its tfjs backend is active');
      assert.equal(first.lines.length, 1);
      assert.match(first.lines[0], new RegExp(`^backend: ${faster} \\(`));
      for (const name of probed) assert.match(first.lines[0], new RegExp(`${name} [\\d.]+ ms/step`));
      assert.match(first.lines[0], /probed now; cached in /);
      // The probe's two models, optimizers and batches are gone (what stays: cached scalars).
      assert.ok(first.tensors <= 2, `${first.tensors} tensors left after the probe`);
      const files = probeFiles(dir);
      assert.equal(files.length, 1);

      const second = await choose(dir);
      assert.equal(second.choice.how, 'cached');
      assert.equal(second.choice.name, c.name);
      assert.deepEqual(second.choice.msPerStep, ms);
      assert.equal(second.active, tfjs);
      assert.match(second.lines[0], /an earlier probe, cached in /);

      // Another network is another key; a damaged entry is probed over and rewritten.
      writeFileSync(join(dir, 'backend-probe', files[0]), '{"name":"tensorflow","msPerStep":');
      const third = await choose(dir);
      assert.equal(third.choice.how, 'probe');
      const rewritten = JSON.parse(
        readFileSync(join(dir, 'backend-probe', files[0]), 'utf8'),
      ) as BackendChoice;
      assert.equal(rewritten.name, third.choice.name);
    },
  );

  test('an explicit backend is used as asked: no probe, nothing cached', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netgrow-choice-'));
    const o = await choose(dir, { NETGROW_BACKEND: 'wasm' });
    assert.deepEqual(
      { name: o.choice.name, how: o.choice.how, active: o.active },
      { name: 'wasm', how: 'asked', active: 'wasm' },
    );
    assert.equal(o.choice.why, 'asked for by NETGROW_BACKEND');
    assert.deepEqual(probeFiles(dir), []);
  });

  test('with tensorflow unavailable, wasm, saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netgrow-choice-'));
    const o = await choose(dir, { NETGROW_NATIVE: 'off' });
    assert.equal(o.choice.name, 'wasm');
    assert.equal(o.choice.how, 'only');
    assert.match(o.lines[0], /^backend: wasm .*skipped tensorflow: off \(NETGROW_NATIVE=off\)$/);
    assert.deepEqual(probeFiles(dir), []);
  });

  test('netgrow train records the choice in result.json; bench train --json reports it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netgrow-choice-'));
    const spec = {
      runId: 'choice',
      checkpoint: 'builtin:mlp',
      output: `file://${join(dir, 'run')}`,
      dataset: { name: 'synthetic:28x28x1:64:10' },
      epochs: 1,
      batchSize: 16,
      scoreTest: false,
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const env = cleanEnv({ NETGROW_CACHE_DIR: join(dir, 'cache') });
    const cli = join(root, 'bin', 'netgrow.js');
    const train = await run(process.execPath, [cli, 'train', '--spec', join(dir, 'spec.json')], {
      env,
      timeout: 120_000,
    });
    const result = JSON.parse(readFileSync(join(dir, 'run', 'result.json'), 'utf8')) as {
      backend: BackendChoice;
    };
    assert.equal(result.backend.how, noNative ? 'only' : 'probe');
    assert.ok(train.stdout.split('\n')[0].startsWith(`backend: ${result.backend.name} (`), train.stdout);
    assert.ok(train.stdout.includes(result.backend.why));

    const bench = await run(
      process.execPath,
      [cli, ...'bench train --arch mlp --batch 16 --steps 1 --warmup 0 --json'.split(' ')],
      { env, timeout: 120_000 },
    );
    const b = JSON.parse(bench.stdout) as { backend: string; choice: BackendChoice };
    assert.equal(b.choice.name, b.backend);
    // The same network and batch as the run above: its probe's answer.
    assert.equal(b.choice.how, noNative ? 'only' : 'cached');
    const asked = await run(
      process.execPath,
      [cli, ...'bench train --arch mlp --batch 16 --steps 1 --warmup 0 --json --backend wasm'.split(' ')],
      { env, timeout: 120_000 },
    );
    const a = JSON.parse(asked.stdout) as { backend: string; choice: BackendChoice };
    assert.deepEqual([a.backend, a.choice.how, a.choice.why], ['wasm', 'asked', 'asked for by --backend']);
  });
});
