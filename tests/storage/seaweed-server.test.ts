/**
 * The SeaweedFS test server itself: loopback only, and never outliving the process that started it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { PORT_RACE_ATTEMPTS } from '../support/ports';
import { startSeaweed } from '../support/seaweed';

/** Local addresses of the TCP sockets a process listens on, from /proc (no ss/netstat needed). */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const link = (() => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })();
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]);
  }
  const found: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const row of readFileSync(`/proc/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9])) found.push(`${table}:${cols[1]}`);
    }
  }
  return found;
}

test('seaweed: every port listens on 127.0.0.1 only', async () => {
  const server = await startSeaweed();
  try {
    const addresses = listeningAddresses(server.pid!);
    assert.ok(addresses.length >= 8, `expected weed's listening sockets, found ${addresses.join(' ')}`);
    // 0100007F is 127.0.0.1 in /proc/net/tcp's little-endian hex.
    for (const a of addresses) assert.match(a, /^tcp:0100007F:/, `${a} is not loopback`);
    console.log(`# weed listens on ${addresses.length} loopback ports; started in ${server.startupMs} ms`);
  } finally {
    await server.stop();
  }
  assert.equal(existsSync(server.dataDir), false, 'data dir removed');
});

test('seaweed: weed and its files go with the process that started it, even on SIGKILL', async () => {
  const script = `
    const { startSeaweed } = require(${JSON.stringify(resolve(__dirname, '../support/seaweed'))});
    startSeaweed().then((s) => { console.log(s.pid + ' ' + s.dataDir); setInterval(() => {}, 1000); });
  `;
  const owner = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [weedPid, dataDir] = await new Promise<[number, string]>((res, rej) => {
    owner.stdout.once('data', (d: Buffer) => {
      const [pid, dir] = d.toString().trim().split(' ');
      res([Number(pid), dir]);
    });
    owner.once('exit', (code) => rej(new Error(`owner exited early (${code})`)));
  });
  assert.ok(isAlive(weedPid), 'weed runs while its owner does');
  owner.kill('SIGKILL');
  const deadline = Date.now() + 5000;
  while (isAlive(weedPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(isAlive(weedPid), false, `weed ${weedPid} outlived its owner`);
  while (existsSync(dataDir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(existsSync(dataDir), false, `${dataDir} left behind`);
});

/**
 * A weed that, for its first `losing` starts, finds its S3 port taken: a Python process binds
 * that port (as another program would between the probe and weed's bind) and runs the real weed
 * with the same flags. Each start appends a line to `starts`.
 */
async function racingWeed(dir: string, losing: number): Promise<{ executable: string; starts: string }> {
  const starts = join(dir, 'starts');
  const executable = join(dir, 'racing-weed');
  const weed = resolve(__dirname, '../../.tools/bin/weed');
  const takePort = [
    'import socket, subprocess, sys',
    'port = [a.split("=")[1] for a in sys.argv[2:] if a.startswith("-s3.port=")][0]',
    's = socket.socket(); s.bind(("127.0.0.1", int(port))); s.listen()',
    'sys.exit(subprocess.call(sys.argv[1:]))',
  ].join('\n');
  await writeFile(
    executable,
    `#!/bin/sh\necho start >> '${starts}'\n` +
      `if [ "$(wc -l < '${starts}')" -le ${losing} ]; then exec python3 -c '${takePort}' '${weed}' "$@"; fi\n` +
      `exec '${weed}' "$@"\n`,
    { mode: 0o755 },
  );
  return { executable, starts };
}

test('seaweed: a start that lost the race for one of its ports is started again on fresh ports', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'netgrow-seaweed-race-'));
  try {
    const { executable, starts } = await racingWeed(dir, 1);
    const server = await startSeaweed({ executable });
    try {
      assert.equal(readFileSync(starts, 'utf8'), 'start\nstart\n', 'one lost start, then one that served');
      assert.match(
        readFileSync(join(server.dataDir, 'weed.log'), 'utf8'),
        /is not available on 127\.0\.0\.1/,
      );
      assert.ok(isAlive(server.pid!));
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('seaweed: a port lost on every try fails after a few tries, naming the port', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'netgrow-seaweed-race-'));
  try {
    const { executable, starts } = await racingWeed(dir, PORT_RACE_ATTEMPTS);
    await assert.rejects(
      startSeaweed({ executable }),
      /SeaweedFS did not start: weed exited \(1\)[^]*not available/,
    );
    assert.equal(readFileSync(starts, 'utf8').split('\n').length - 1, PORT_RACE_ATTEMPTS);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A killed child not yet reaped by its (dead) parent is a zombie: gone for our purposes.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
