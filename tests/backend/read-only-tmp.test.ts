/**
 * The `tensorflow` backend on a read-only root filesystem, as in a trainer pod: /tmp is not
 * writable and TMPDIR names the scratch volume. TensorFlow's start-up log is captured in a
 * temporary file there (and filtered), and the backend loads; it fell back to wasm when the
 * capture insisted on /tmp. Run in a private mount namespace (`unshare -m`, root only) where
 * /tmp is a read-only tmpfs with a writable one mounted at /tmp/scratch; skipped, with the
 * reason, where that namespace or the native backend is not available.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadNative } from '../../src/backend/native';

const fixture = join(__dirname, 'init-backend.fixture.ts');
const native = loadNative();
const namespaces = spawnSync('unshare', ['-m', 'true'], { encoding: 'utf8' });
const skip =
  'why' in native
    ? `the tensorflow backend is not available: ${native.why}`
    : namespaces.status !== 0
      ? `no private mount namespace here (unshare -m: ${(namespaces.stderr || String(namespaces.error)).trim()})`
      : false;

// /tmp read-only, /tmp/scratch writable, then the fixture as TMPDIR=/tmp/scratch.
const SANDBOX = [
  'set -e',
  'mount -t tmpfs tmpfs /tmp',
  'mkdir /tmp/scratch',
  'mount -t tmpfs tmpfs /tmp/scratch',
  'mount -o remount,ro /tmp',
  '! touch /tmp/probe 2>/dev/null',
  'exec "$@"',
].join('\n');

test(
  'a read-only /tmp with TMPDIR on scratch: the tensorflow backend loads, its start-up log filtered',
  { skip },
  () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: '/tmp/scratch' };
    for (const k of ['NETGROW_BACKEND', 'NETGROW_NATIVE', 'TF_CPP_MIN_LOG_LEVEL', 'TF_ENABLE_ONEDNN_OPTS'])
      delete env[k];
    const r = spawnSync(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        SANDBOX,
        'sandbox',
        process.execPath,
        '--import',
        'tsx',
        fixture,
        '[{"prefer":"tensorflow"}]',
      ],
      { encoding: 'utf8', env, timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      results: { info?: { name: string }; error?: string }[];
    };
    assert.equal(out.results[0].error, undefined, r.stderr);
    assert.equal(out.results[0].info?.name, 'tensorflow');
    assert.equal(r.stderr, '', "TensorFlow's start-up lines were captured and filtered");
  },
);
