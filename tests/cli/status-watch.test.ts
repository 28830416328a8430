/**
 * `netgrow status <id> --watch` on a live search: in a pseudo-terminal it redraws one block in
 * place (cursor up + clear) while candidates train — running candidates with their epoch, the
 * leaderboard — and stops by itself when the search ends; through a pipe it prints plain
 * lines with no terminal codes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { NETGROW, netgrow, tinyConfig, until } from '../e2e/support';

const PTY_RUN = join(__dirname, 'pty_run.py');
const ESC = '\x1b';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-watch-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a command inside a pseudo-terminal; everything it drew, and its exit code. */
function inTerminal(args: string[], cwd: string): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    delete env.NETGROW_PLAIN;
    const child = spawn('python3', [PTY_RUN, process.execPath, NETGROW, ...args], { cwd, env });
    let screen = '';
    child.stdout.on('data', (b: Buffer) => (screen += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

test('status --watch follows a running search in a terminal, then ends with it', async (t) => {
  const config = tinyConfig({
    name: 'watch',
    storage: { uri: 'file://./runs' },
    // Enough rows that each candidate trains for some seconds: a running candidate's epoch
    // reaches the server with a heartbeat (throttled to one every few seconds).
    dataset: { name: 'synthetic:8x8x1:4096:4c', validation: 0.25 },
    strategy: { kind: 'ga', population: 2, generations: 1 },
    train: { epochs: 3, batchSize: 32 },
  });
  await writeFile(join(dir, 'search.yaml'), stringify(config));
  const search = spawn(process.execPath, [NETGROW, 'search', '--config', 'search.yaml', '--headless'], {
    cwd: dir,
    env: { ...process.env, NETGROW_PLAIN: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  search.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  search.stderr.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const exited = new Promise<number | null>((r) => search.on('close', r));
  try {
    // The workflow runs once a candidate shows up in the search's own progress lines.
    const id = await until(async () => /^experiment (watch-[a-z0-9]+):/m.exec(out)?.[1], 'the experiment id');
    await until(async () => /g0-c0/.test(out), 'the first candidate');
    const watch = await inTerminal(['status', id, '--watch', '--interval', '0.5'], dir);
    t.diagnostic(`watch drew ${watch.screen.length} characters`);
    assert.equal(watch.code, 0, watch.screen);
    const redraws = watch.screen.split(`${ESC}[0J`).length - 1;
    assert.ok(redraws >= 2, `the block is redrawn in place (${redraws} redraws)`);
    assert.match(watch.screen, new RegExp(`${ESC}\\[\\d+F${ESC}\\[0J`), 'cursor up, then clear');
    assert.match(watch.screen, /^running\r?$/m);
    assert.match(watch.screen, /train epoch \d/);
    assert.match(watch.screen, /^leaderboard\r?$/m);
    // The last frame: the search's end, after which --watch returns by itself.
    const last = watch.screen.slice(watch.screen.lastIndexOf(`${ESC}[0J`));
    assert.match(last, /workflow {4}completed/);
    assert.equal(await exited, 0, out);
  } finally {
    search.kill('SIGTERM');
  }

  // Off a terminal: plain lines, no terminal codes, one block for an ended search.
  const id = /^experiment (watch-[a-z0-9]+):/m.exec(out)![1];
  const plain = await netgrow(['status', id, '--watch'], { cwd: dir });
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(!plain.stdout.includes(ESC), 'no escape codes in plain output');
  assert.equal(plain.stdout.match(/^--- \d\d:\d\d:\d\d$/gm)?.length, 1);
  assert.match(plain.stdout, /workflow {4}completed/);
  assert.ok(existsSync(join(dir, 'runs', 'experiments', id, 'hparams')), 'the search wrote HParams sessions');
});
