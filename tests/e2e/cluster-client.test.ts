/**
 * `netgrow search --temporal-address …` without `--detach`, against a Temporal server with a
 * `netgrow worker` in another process (the cluster mode): the client has no workers of its
 * own, follows the search to its end and prints the result, as the embedded mode does. A
 * search whose every candidate failed exits 1 with the reason they share, in both modes.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { commonReason } from '../../src/experiment/failures';
import { startDevServer, type DevServer } from '../../src/temporal/devserver';
import { netgrow, startWorkerProcess } from './support';

let dir: string;
let server: DevServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-e2e-cluster-client-'));
  server = await startDevServer({ dataDir: join(dir, 'temporal'), port: 0, headless: true });
});
after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The start model and one child, one epoch each on a few synthetic images. */
async function config(name: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    [
      `name: ${name}`,
      'seed: 3',
      'dataset: { name: "synthetic:8x8x1:64:2c", validation: 0.25 }',
      'start: { arch: seed-ga }',
      'strategy: { kind: ga, population: 1, generations: 1 }',
      'train: { epochs: 1, batchSize: 32 }',
      'executor: { kind: process, parallelism: 1 }',
      `storage: { uri: "file://${dir}/runs" }`,
    ].join('\n') + '\n',
  );
  return file;
}

/** A `netgrow worker` for `fn`, stopped after it; its log is attached to failures. */
async function withWorker<T>(
  name: string,
  env: NodeJS.ProcessEnv,
  fn: (log: () => Promise<string>) => Promise<T>,
): Promise<T> {
  const log = join(dir, `${name}.log`);
  const worker: ChildProcess = startWorkerProcess(server.address, log, ['--parallelism', '1'], env);
  try {
    return await fn(() => readFile(log, 'utf8'));
  } catch (e) {
    (e as Error).message += `\nworker log:\n${await readFile(log, 'utf8').catch(() => '')}`;
    throw e;
  } finally {
    worker.kill('SIGTERM');
    if (worker.exitCode === null) await once(worker, 'exit');
  }
}

// A backend no trainer has: every training run exits 2 the same way.
const BROKEN = { NETGROW_BACKEND: 'no-such-backend' };

test('the cluster-mode client follows the search to its end and prints the result', async () => {
  const file = await config('follow');
  await withWorker('worker-ok', {}, async (log) => {
    const json = await netgrow(['search', '--config', file, '--temporal-address', server.address, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const outcome = JSON.parse(json.stdout) as {
      state: string;
      result: { candidates: number; best: unknown };
    };
    assert.equal(outcome.state, 'completed');
    assert.equal(outcome.result.candidates, 2);
    assert.ok(outcome.result.best, 'a best candidate');
    assert.match(json.stderr, /search finished \(generations\): 2 candidates/);

    const plain = await netgrow(['search', '--config', file, '--temporal-address', server.address]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /search finished \(generations\): 2 candidates/);
    assert.match(plain.stdout, /^best: g\d-c0 completed: val_acc/m);
    assert.match(plain.stdout, /^report: /m);

    // The worker said what it was doing before it polled (webpack alone takes tens of seconds).
    const lines = (await log()).split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const connecting = at(
      new RegExp(`^worker: connecting to Temporal at ${server.address}, namespace default$`),
    );
    const building = at(/^worker: building the workflow code \(webpack/);
    const polling = at(/^worker \d+: .* queues netgrow, netgrow-train/);
    assert.ok(connecting >= 0 && connecting < building && building < polling, lines.join('\n'));
  });
});

test('a cluster search whose every candidate failed exits 1 with their common reason', async () => {
  const file = await config('broken-cluster');
  await withWorker('worker-broken', BROKEN, async () => {
    const run = await netgrow(['search', '--config', file, '--temporal-address', server.address, '--json']);
    assert.equal(run.code, 1, run.stderr);
    const outcome = JSON.parse(run.stdout) as { state: string; error: string };
    assert.equal(outcome.state, 'failed');
    assert.match(outcome.error, /^no candidate trained to completion \(1 of 1 the same way\): train: /);
    assert.match(outcome.error, /no-such-backend/);
    assert.match(run.stderr, /^search failed: no candidate trained to completion/m);
  });
});

test('an embedded search whose every candidate failed exits 1 with their common reason', async () => {
  const file = await config('broken-embedded');
  const run = await netgrow(['search', '--config', file, '--headless'], { env: BROKEN });
  assert.equal(run.code, 1, run.stderr);
  assert.match(
    run.stdout,
    /^search failed: no candidate trained to completion \(1 of 1 the same way\): train: .*no-such-backend/m,
  );
});

test('the common reason: the largest group of errors alike but for their candidate ids', () => {
  const exited = (id: string) => `train: run ${id}-a1 exited with code 2: no AWS region configured`;
  const errors = [
    { candidateId: 'g1-c0', error: exited('g1-c0') },
    { candidateId: 'g1-c1', error: 'diverged' },
    { candidateId: 'g0-c0', error: exited('g0-c0') },
    { candidateId: 'g1-c2', error: null },
  ];
  assert.equal(
    commonReason(errors),
    `no candidate trained to completion (2 of 4 this way): ${exited('g1-c0')}`,
  );
  assert.equal(
    commonReason(errors.slice(0, 1), 30),
    `no candidate trained to completion (1 of 1 read of 30 the same way): ${exited('g1-c0')}`,
  );
  assert.equal(
    commonReason([{ candidateId: 'g0-c0', error: null }]),
    'no candidate trained to completion (1; their errors could not be read)',
  );
});
