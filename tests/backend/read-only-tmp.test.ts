/**
 * The `tensorflow` backend on a read-only root filesystem, as in a trainer pod: /tmp is not
 * writable and TMPDIR names the scratch volume. TensorFlow's start-up log is captured in a
 * temporary file there (and filtered), and the backend loads; it fell back to wasm when the
 * capture insisted on /tmp. Run in a private mount namespace (`unshare -m`, root only) where
 * /tmp is bound read-only onto itself (its files stay visible: the checkout may live under
 * /tmp, as a CI clone can) with a writable tmpfs on a scratch folder made beforehand; skipped,
 * with the reason, where that namespace or the native backend is not available.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadNative } from '../../src/backend/native';
import { skipWhen } from '../support/skip';

const fixture = join(__dirname, 'init-backend.fixture.ts');
const native = loadNative();
const namespaces = spawnSync('unshare', ['-m', 'true'], { encoding: 'utf8' });
const skip =
  skipWhen('no-native', 'why' in native ? native.why : null) ||
  skipWhen(
    'no-mount-namespace',
    namespaces.status === 0 ? null : (namespaces.stderr || String(namespaces.error)).trim(),
  );

// /tmp read-only (bound onto itself), $SCRATCH writable, then the fixture as TMPDIR=$SCRATCH.
const SANDBOX = [
  'set -e',
  'mount --bind /tmp /tmp',
  'mount -o remount,bind,ro /tmp',
  'mount -t tmpfs tmpfs "$SCRATCH"',
  '! touch /tmp/netgrow-probe-$$ 2>/dev/null',
  'exec "$@"',
].join('\n');

test(
  'a read-only /tmp with TMPDIR on scratch: the tensorflow backend loads, its start-up log filtered',
  { skip },
  (t) => {
    const scratch = mkdtempSync(join(tmpdir(), 'netgrow-scratch-'));
    t.after(() => rmSync(scratch, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: scratch, SCRATCH: scratch };
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
