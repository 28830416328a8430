/**
 * `kill -9` of a running `netgrow search`'s whole process group, as a user kills a shell job:
 * the embedded dev server does not live on as an orphan holding the experiment's SQLite file,
 * and `netgrow resume` finishes the search with never more than one server on that file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { openStore } from '../../src/storage';
import { serversOn } from '../../src/temporal/devserver-lock';
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
import { shortHeartbeats } from '../support/short-heartbeats';

// The killed search's training attempt is retried once its heartbeat times out: 20 s here,
// not production's minute.
shortHeartbeats();
let dir: string;

/** The search's processes carry it: its trainers are found by it. */
const marker = testMarker();
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-e2e-orphan-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('kill -9 of netgrow search and its group: no orphaned server; resume uses one server', async (t) => {
  const config = tinyConfig({
    name: 'orphan',
    strategy: { kind: 'ga', population: 2, generations: 1 },
    train: { epochs: 1, batchSize: 32 },
    storage: { uri: 'file://./runs' },
  });
  await writeFile(join(dir, 'search.yaml'), stringify(config));
  const search = spawn(process.execPath, [NETGROW, 'search', '--config', 'search.yaml', '--headless'], {
    cwd: dir,
    env: { ...process.env, NETGROW_PLAIN: '1', ...marker.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // A failure before the kill below must not leave the search's group running.
  t.after(() => {
    if (search.exitCode === null && search.signalCode === null) process.kill(-search.pid!, 'SIGKILL');
  });
  let out = '';
  search.stdout.on('data', (d: Buffer) => (out += d.toString()));
  search.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const id = await until(
    async () => /^experiment (orphan-[a-z0-9]+):/m.exec(out)?.[1],
    'the experiment id',
    60_000,
  );
  const db = join(dir, 'runs', 'experiments', id, 'temporal', 'temporal.sqlite');
  const server = await until(async () => serversOn(db)[0], 'the embedded server', 60_000);
  const exp = openStore(join(dir, 'runs', 'experiments', id));
  await until(async () => marker.trainers().length > 0, 'a trainer to start', 120_000, 50);

  process.kill(-search.pid!, 'SIGKILL');
  await once(search, 'exit');
  const killedAt = Date.now();
  await until(
    async () => serversOn(db).length === 0,
    `server ${server.pid} to stop with its owner`,
    20_000,
    100,
  );
  t.diagnostic(`embedded server gone ${Date.now() - killedAt} ms after kill -9`);
  await until(async () => marker.trainers().length === 0, 'its trainers to stop', 45_000);

  // Sample /proc while resume runs: at no moment two servers on the database.
  let most = 0;
  const sampler = setInterval(() => (most = Math.max(most, serversOn(db).length)), 100);
  try {
    const resumed = await netgrow(['resume', id, '--headless'], { cwd: dir });
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  } finally {
    clearInterval(sampler);
  }
  assert.equal(most, 1, 'exactly one server on the database while resume ran');
  assert.deepEqual(serversOn(db), [], 'and none after it');
  const candidates = await candidateFiles(exp);
  assertLineageComplete(
    await lineageOf(exp),
    candidates.map((c) => c.id),
  );
});
