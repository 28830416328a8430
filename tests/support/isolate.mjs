// Preloaded into every test file's process by scripts/test.sh (`--import`): the per-user state
// netgrow keeps between runs -- its cache (the backend probe's answers: NETGROW_CACHE_DIR,
// default ~/.cache/netgrow) and its home (records of S3 experiments: NETGROW_HOME, default
// ~/.netgrow) -- is a fresh folder for each file, so that no test sees what another test or an
// earlier run left there, and nothing is written under the user's home. The processes a test
// starts inherit them (a test may still give its own); they are removed when the file's process
// exits. Plain JavaScript: worker threads (Temporal's workflow threads) load it too, before any
// TypeScript loader.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const dir = mkdtempSync(join(tmpdir(), 'netgrow-test-cache-'));
  process.env.NETGROW_CACHE_DIR = join(dir, 'cache');
  process.env.NETGROW_HOME = join(dir, 'home');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}
