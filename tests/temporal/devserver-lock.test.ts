/**
 * One dev server per database, and none outliving its owner: an owner killed outright (its
 * whole process group, SIGKILL) takes its server with it; a server whose owner and guard were
 * both killed is adopted by the next start instead of doubled; a database already held is
 * refused with one line.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { DevServerError, startDevServer } from '../../src/temporal/devserver';
import { lockPath, readLock, serversOn, startTime } from '../../src/temporal/devserver-lock';

const ROOT = resolve(__dirname, '../..');
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-devlock-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The fixture owner in its own process group (a shell job); resolves once its server answers. */
async function ownerProcess(dataDir: string): Promise<{ owner: ChildProcess; pid: number; address: string }> {
  const owner = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'tests/temporal/fixtures/own-devserver.ts'), dataDir],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
  let out = '';
  owner.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 90_000;
  while (!out.includes('\n')) {
    if (Date.now() > deadline || owner.exitCode !== null) assert.fail(`owner did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const { pid, address } = JSON.parse(out) as { pid: number; address: string };
  return { owner, pid, address };
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (startTime(pid) === null) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

test('kill -9 of the owner process group: its dev server stops too (no orphan)', async (t) => {
  const data = join(dir, 'killed');
  const { owner, pid } = await ownerProcess(data);
  const db = join(data, 'temporal.sqlite');
  assert.deepEqual(
    serversOn(db).map((s) => s.pid),
    [pid],
  );
  const t0 = Date.now();
  process.kill(-owner.pid!, 'SIGKILL');
  await once(owner, 'exit');
  assert.ok(await gone(pid, 20_000), `server ${pid} outlived its owner`);
  t.diagnostic(`server gone ${Date.now() - t0} ms after kill -9 of its owner's group`);
  assert.deepEqual(serversOn(db), []);
  // The lock is stale now: a new start takes it over.
  const server = await startDevServer({ dataDir: data, port: 0, headless: true });
  try {
    assert.equal(server.adopted, false);
    assert.equal(readLock(db)?.ownerPid, process.pid);
  } finally {
    await server.stop();
  }
  assert.equal(existsSync(lockPath(db)), false, 'stop() releases the lock');
});

test('owner and guard both killed: the next start adopts the orphan, never a second server', async (t) => {
  const data = join(dir, 'orphan');
  const { owner, pid, address } = await ownerProcess(data);
  const db = join(data, 'temporal.sqlite');
  const { guardPid } = readLock(db) ?? {};
  assert.ok(guardPid, 'the lock names the guard');
  process.kill(-owner.pid!, 'SIGKILL');
  process.kill(guardPid, 'SIGKILL');
  await once(owner, 'exit');
  assert.ok(await gone(guardPid, 5_000));
  assert.equal(startTime(pid) !== null, true, 'the server is an orphan now');

  const server = await startDevServer({ dataDir: data, port: 0, headless: true });
  try {
    t.diagnostic(`adopted ${server.pid} on ${server.address} in ${server.startupMs} ms`);
    assert.equal(server.adopted, true);
    assert.equal(server.pid, pid);
    assert.equal(server.address, address);
    assert.deepEqual(
      serversOn(db).map((s) => s.pid),
      [pid],
      'one server on the database',
    );
    // The same database again, from a live owner: refused, nothing started.
    const again = await startDevServer({ dataDir: data, port: 0, headless: true }).catch((e: unknown) => e);
    assert.ok(again instanceof DevServerError);
    assert.match(
      again.message,
      /^the Temporal database .* is held by this netgrow process \(server on 127\.0\.0\.1:\d+\)/,
    );
    assert.equal(serversOn(db).length, 1);
  } finally {
    await server.stop();
  }
  assert.ok(await gone(pid, 15_000), 'stop() ends an adopted server');
  assert.equal(existsSync(lockPath(db)), false);
});
