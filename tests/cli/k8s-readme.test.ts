/**
 * k8s/README.md's search config, as printed there, passes `netgrow search --check`: the
 * kubernetes executor runs on cluster workers only, so a config without `temporal.address` is
 * refused, and the README once showed one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');

test("k8s/README.md's search config passes --check as written", async () => {
  const readme = await readFile(join(ROOT, 'k8s', 'README.md'), 'utf8');
  const step = readme.indexOf('5. A search config for the cluster');
  assert.ok(step >= 0, 'the README has its search-config step');
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(step));
  assert.ok(block, 'a yaml block follows the step');
  const dir = await mkdtemp(join(tmpdir(), 'netgrow-k8s-readme-'));
  try {
    const file = join(dir, 'search.yaml');
    await writeFile(file, block[1]);
    // No cluster, Temporal or bucket is reached by --check; the dataset is the setup's.
    const env = { ...process.env, TEMPORAL_ADDRESS: '' };
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'netgrow.js'), 'search', '--config', file, '--check'],
      {
        encoding: 'utf8',
        env,
        timeout: 60_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /search\.yaml: valid \(ga on fashion-mnist, storage s3:\/\/my-bucket\/netgrow\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
