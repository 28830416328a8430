/**
 * `netgrow worker --executor kubernetes` checks its cluster before any worker polls: a cluster
 * it cannot reach, or a missing trainer image, is one line and a non-zero exit — never a worker
 * that would train on this machine's CPU instead. (The executor itself runs against a real API
 * server in tests/k8s/.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { trainingParallelism } from '../../src/cli/worker';

const bin = join(__dirname, '..', '..', 'bin', 'netgrow.js');
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-worker-k8s-'));
  // A cluster on a loopback port where nothing listens.
  await writeFile(
    join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'search.yaml'),
    `name: w\nexecutor: {kind: kubernetes, kubeconfig: ${join(dir, 'kubeconfig')}, image: netgrow:test}\n`,
  );
});
after(() => rm(dir, { recursive: true, force: true }));

function worker(args: string[]) {
  const env = { ...process.env, KUBERNETES_SERVICE_HOST: '', NETGROW_TRAINER_IMAGE: '' };
  return spawnSync(process.execPath, [bin, 'worker', ...args], { encoding: 'utf8', env, timeout: 60_000 });
}

describe('netgrow worker --executor kubernetes', () => {
  test('an unreachable cluster: exit 4 and one line naming the API server, before any worker starts', () => {
    const r = worker(['--executor', 'kubernetes', '--executor-config', join(dir, 'search.yaml')]);
    assert.equal(r.status, 4, r.stderr);
    // The worker says what it is doing first; the error is the one line after that.
    assert.match(r.stderr, /^worker: checking the Kubernetes cluster and this worker's rights$/m);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('worker: '));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^netgrow: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:9/);
    assert.doesNotMatch(r.stdout, /^worker \d+/m, 'no worker started');
  });

  test('no trainer image and a config that is not kubernetes are mistakes to fix (exit 2)', async () => {
    const noImage = worker(['--executor', 'kubernetes']);
    assert.equal(noImage.status, 2, noImage.stderr);
    assert.match(
      noImage.stderr,
      /^netgrow: no trainer image: set executor\.image or NETGROW_TRAINER_IMAGE$/m,
    );
    await writeFile(join(dir, 'process.yaml'), 'name: p\nexecutor: {kind: process}\n');
    const wrong = worker(['--executor', 'kubernetes', '--executor-config', join(dir, 'process.yaml')]);
    assert.equal(wrong.status, 2, wrong.stderr);
    assert.match(wrong.stderr, /executor\.kind is process; --executor kubernetes needs kubernetes/);
    const stray = worker(['--executor-config', join(dir, 'search.yaml')]);
    assert.equal(stray.status, 2);
    assert.match(stray.stderr, /--executor-config goes with --executor kubernetes/);
  });
});

describe('training runs at once', () => {
  test('--parallelism when given; for pods the executor’s parallelism, not this machine’s cores', () => {
    assert.equal(trainingParallelism(3, { parallelism: 4 }, 16), 3);
    assert.equal(trainingParallelism(undefined, { parallelism: 4 }, 16), 4);
    assert.equal(trainingParallelism(undefined, 'process', 16), 16);
  });
});
