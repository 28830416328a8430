/**
 * Ctrl-C and `netgrow resume`, as a user does it: SIGINT to the terminal's process group while
 * the start model trains stops the workers (training checkpoints), then the server, and exits
 * with 130 leaving everything in place; `netgrow resume <id>` restarts the server on the same
 * SQLite file and finishes the search, the interrupted run continuing from its checkpoint.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { readTrainCsv } from '../../src/log/train-csv';
import { openStore } from '../../src/storage';
import {
  assertLineageComplete,
  candidateFiles,
  lineageOf,
  NETGROW,
  netgrow,
  tinyConfig,
  until,
} from './support';
import { testMarker } from '../support/marker';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-e2e-resume-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('Ctrl-C mid-training, then netgrow resume <id>: the search completes from where it stopped', async (t) => {
  const config = tinyConfig({
    name: 'ctrlc',
    dataset: { name: 'synthetic:16x16x1:16000:4c', validation: 0.25 },
    start: { arch: 'lenet' },
    strategy: { kind: 'ga', population: 2, generations: 1 },
    train: { epochs: 2, batchSize: 32, optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 } },
    storage: { uri: 'file://./runs' },
  });
  await writeFile(join(dir, 'search.yaml'), stringify(config));
  // Its own process group, like a shell job: the SIGINT goes to netgrow and its trainers,
  // which carry this test's marker.
  const marker = testMarker();
  const search = spawn(process.execPath, [NETGROW, 'search', '--config', 'search.yaml', '--headless'], {
    cwd: dir,
    env: { ...process.env, NETGROW_PLAIN: '1', ...marker.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  search.stdout.on('data', (d: Buffer) => (out += d.toString()));
  search.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const id = await until(
    async () => /^experiment (ctrlc-[a-z0-9]+):/m.exec(out)?.[1],
    'the experiment id',
    60_000,
  );
  const folder = join(dir, 'runs', 'experiments', id);
  const exp = openStore(folder);
  const run = 'candidates/g0-c0/runs/g0-c0-a1';
  await until(() => exp.exists(`${run}/epochs/1/meta.json`), 'epoch 1 of the start model', 120_000, 50);
  process.kill(-search.pid!, 'SIGINT');
  const [code] = (await once(search, 'exit')) as [number | null];
  assert.equal(code, 130, out);
  assert.match(out, new RegExp(`Continue with: netgrow resume ${id}`));
  assert.deepEqual(marker.trainers(), [], 'no trainer left running');
  assert.ok(!existsSync(join(folder, 'temporal', 'server.json')), 'the server was stopped');
  assert.ok(await exp.exists(`${run}/interrupted/meta.json`), 'training checkpointed where it stopped');
  const stopped = JSON.parse(await exp.getText(`${run}/result.json`)) as { status: string };
  assert.equal(stopped.status, 'stopped', 'the run says it stopped, not that it finished');

  const t0 = Date.now();
  const resumed = await netgrow(['resume', id, '--headless'], { cwd: dir });
  t.diagnostic(`resume to the end: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.match(resumed.stdout, /search finished \(generations\): 3 candidates over 2 generations/);

  const candidates = await candidateFiles(exp);
  assert.deepEqual(
    candidates.map((c) => [c.id, c.runs, c.results.map((r) => r.status)]),
    [
      ['g0-c0', ['g0-c0-a1'], ['completed']],
      ['g1-c0', ['g1-c0-a1'], ['completed']],
      ['g1-c1', ['g1-c1-a1'], ['completed']],
    ],
  );
  assert.ok((candidates[0].results[0].resumedFromEpoch ?? 0) >= 1, 'continued after epoch 1');
  const epochs = (await readTrainCsv(exp, `${run}/train.csv`)).filter((r) => r.kind === 'epoch');
  assert.deepEqual(
    epochs.map((r) => r.epoch),
    [1, 2],
  );
  assertLineageComplete(
    await lineageOf(exp),
    candidates.map((c) => c.id),
  );
});
