/**
 * The native `tensorflow` backend reports what TensorFlow itself says: its version (the one
 * tfjs's binding links), oneDNN on or off (checked against TensorFlow's own start-up banner),
 * the intra-op pool, the devices; libtensorflow's start-up lines stay out of stderr unless
 * TF_CPP_MIN_LOG_LEVEL lets them through; asking for a GPU TensorFlow does not see is refused.
 * Fresh processes (the backend is per process). Skipped, with the reason, where
 * scripts/build-native.sh could not build the backend.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { BackendInfo } from '../../src/backend';
import { gpuShortfall, keptLogLines, loadNative } from '../../src/backend/native';
import { skipWhen } from '../support/skip';

const run = promisify(execFile);
const fixture = join(__dirname, 'init-backend.fixture.ts');
const native = loadNative();
const skip = skipWhen('no-native', 'why' in native ? native.why : null);

async function start(env: Record<string, string> = {}) {
  const clean = { ...process.env };
  for (const k of ['NETGROW_BACKEND', 'NETGROW_NATIVE', 'TF_CPP_MIN_LOG_LEVEL', 'TF_ENABLE_ONEDNN_OPTS'])
    delete clean[k];
  const { stdout, stderr } = await run(
    process.execPath,
    ['--import', 'tsx', fixture, JSON.stringify([{ prefer: 'tensorflow' }])],
    { env: { ...clean, ...env }, timeout: 60_000 },
  );
  const o = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    results: { info: BackendInfo }[];
    lines: string[];
  };
  return { info: o.results[0].info, line: o.lines[0], stderr };
}

describe('keptLogLines', () => {
  const log = [
    'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR',
    'I0000 00:00:1.0  1 port.cc:153] oneDNN custom operations are on.',
    'I0000 00:00:1.1  1 cpu_feature_guard.cc:227] This TensorFlow binary is optimized',
    'To enable the following instructions: AVX2, rebuild TensorFlow.',
    'W0000 00:00:1.2  1 x.cc:1] a warning',
    'E0000 00:00:1.3  1 y.cc:2] an error',
    'something else',
  ].join('\n');
  test('drops records below the level with their continuation lines, keeps the rest', () => {
    assert.equal(keptLogLines(log, 2), 'E0000 00:00:1.3  1 y.cc:2] an error\nsomething else\n');
    assert.equal(keptLogLines(log, 1).split('\n').length, 4);
    assert.equal(keptLogLines(log, 0), log + '\n');
    assert.equal(keptLogLines('', 2), '');
  });
});

describe('the tensorflow backend', { skip }, () => {
  test('says which TensorFlow, oneDNN, threads and devices it runs on, and nothing else on stderr', async () => {
    const { info, line, stderr } = await start();
    const tf = info.tensorflow!;
    assert.equal(info.name, 'tensorflow');
    assert.equal(tf.version, '2.21.0');
    assert.equal(info.threads, tf.intraOpThreads);
    assert.ok(tf.intraOpThreads >= 1);
    assert.ok(tf.devices.some((d) => d.name === 'CPU:0' && d.type === 'CPU'));
    assert.equal(tf.placedOn, tf.devices.some((d) => d.type === 'GPU') ? 'GPU:0' : 'CPU:0');
    assert.match(
      line,
      /^backend: tensorflow \(TensorFlow 2\.21\.0 via @tensorflow\/tfjs-node(-gpu)?, oneDNN (on|off), \d+ intra-op threads?, ops on (CPU|GPU):0/,
    );
    assert.equal(stderr, '', 'libtensorflow printed nothing');
  });

  test('oneDNN as TensorFlow itself announces it; TF_NUM_INTRAOP_THREADS is the pool', async () => {
    const on = await start({ TF_CPP_MIN_LOG_LEVEL: '0' });
    assert.equal(on.info.tensorflow!.onednn, /oneDNN custom operations are on/.test(on.stderr));
    const off = await start({ TF_ENABLE_ONEDNN_OPTS: '0', TF_NUM_INTRAOP_THREADS: '1' });
    assert.equal(off.info.tensorflow!.onednn, false);
    assert.equal(off.info.threads, 1);
    assert.match(off.line, /oneDNN off, 1 intra-op thread,/);
  });

  test('a GPU that TensorFlow does not see is a problem before any training', () => {
    assert.equal(gpuShortfall(0), null);
    assert.match(
      gpuShortfall(64)!,
      /^64 GPU\(s\) asked for, but TensorFlow \(@tensorflow\/tfjs-node(-gpu)?\) sees \d+ on this machine$/,
    );
  });
});

test('a search config asking for more GPUs than TensorFlow sees is refused before anything runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netgrow-gpus-'));
  const config = join(dir, 'gpu.yaml');
  writeFileSync(
    config,
    'name: gpu-check\ndataset: { name: synthetic }\nexecutor: { kind: process, gpus: 64 }\n',
  );
  const r = spawnSync(
    process.execPath,
    [join(__dirname, '..', '..', 'bin', 'netgrow.js'), 'search', '--config', config, '--check'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 2, r.stderr);
  // One problem is one line: `netgrow: <file>: executor.gpus: …`.
  assert.match(
    r.stderr,
    /^netgrow: .*gpu\.yaml: executor\.gpus: 64 GPU\(s\) asked for, but TensorFlow .* sees 0/m,
  );
});
