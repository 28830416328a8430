/**
 * Hostile and broken input, driven as a user would: `node bin/netgrow.js …` for every case of
 * cases.ts, a few at a time. Each must end with its exit code and exactly one clean line on
 * stderr (no stack trace, no "internal error", no control characters, no secret), write
 * nothing into its working folder (the default storage, ./runs, lives there), and leave no
 * process behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { CASES, closed, SECRET, type Case } from './cases';
import { writeFixtures, type Fixtures } from './fixtures';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'netgrow.js');
/** Cases at once: most fail in a second or two, in a process each. */
const BATCH = 4;
/** Nothing may take longer: an unreachable endpoint is exit 4 in seconds, never a hang. */
const HANG_MS = 90_000;

let dir: string;
let fixtures: Fixtures;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-hostile-'));
  mkdirSync(join(dir, 'fixtures'));
  fixtures = await writeFixtures(join(dir, 'fixtures'));
  // A loopback port that was free a moment ago: nothing listens on it.
  closed.port = await new Promise<number>((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Files in the working folder afterwards that the case did not put there. */
  written: string[];
  /** Processes of the case's process group still alive after it exited. */
  leftRunning: boolean;
}

/** The environment without anything that would point netgrow at real services. */
function baseEnv(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|TEMPORAL_|NETGROW_)/.test(k)),
  );
  return { ...env, HOME: home, NETGROW_BACKEND: 'cpu', AWS_EC2_METADATA_DISABLED: 'true' };
}

function listFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(folder.length + 1))
    .sort();
}

async function runCase(c: Case, index: number): Promise<Outcome> {
  const cwd = join(dir, `case-${index}`);
  mkdirSync(cwd);
  for (const [name, body] of Object.entries(c.files?.(fixtures) ?? {})) writeFileSync(join(cwd, name), body);
  const before = listFiles(cwd);
  // Its own process group, so anything it started and left behind can be found.
  const child = spawn(process.execPath, [BIN, ...c.args(fixtures)], {
    cwd,
    env: { ...baseEnv(cwd), ...c.env?.() },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), HANG_MS);
  const code = await new Promise<number | null>((done) => child.on('close', (n) => done(n)));
  clearTimeout(timer);
  // tsx's esbuild helper notices its parent's exit a moment later: give the group 3 s to empty.
  let leftRunning = true;
  for (let t = 0; t < 30 && leftRunning; t++) {
    try {
      process.kill(-child.pid!, 0);
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      leftRunning = false;
    }
  }
  if (leftRunning) process.kill(-child.pid!, 'SIGKILL');
  const written = listFiles(cwd).filter((f) => !before.includes(f));
  return { code, stdout, stderr, written, leftRunning };
}

/** Every problem with one case's outcome, as sentences (empty: it behaved). */
function problems(c: Case, o: Outcome): string[] {
  const out: string[] = [];
  const lines = o.stderr.replace(/\n$/, '').split('\n');
  if (o.code !== c.code) out.push(`exit ${o.code}, expected ${c.code}`);
  if (lines.length !== 1) out.push(`${lines.length} stderr lines`);
  const line = lines[0] ?? '';
  if (!/^netgrow( [a-z]+)?: \S/.test(line)) out.push('the line does not start with `netgrow: `');
  if (/internal error|\n\s+at /.test(o.stderr)) out.push('an internal error or a stack trace');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(o.stderr)) out.push('control characters on stderr');
  if (line.length > 700) out.push(`a line of ${line.length} characters`);
  if (`${o.stdout}${o.stderr}`.includes(SECRET)) out.push('the secret was printed');
  if (c.says && !c.says.test(line)) out.push(`the line does not say ${String(c.says)}`);
  if (!c.mayWrite && o.written.length > 0) out.push(`wrote ${o.written.slice(0, 3).join(', ')}`);
  if (o.leftRunning) out.push('left a process running');
  return out;
}

test(`the hostile-input corpus: ${CASES.length} cases, each one line, its exit code, nothing written`, async () => {
  assert.ok(CASES.length >= 60, `${CASES.length} cases`);
  const failures: string[] = [];
  for (let i = 0; i < CASES.length; i += BATCH) {
    const batch = CASES.slice(i, i + BATCH);
    const outcomes = await Promise.all(batch.map((c, j) => runCase(c, i + j)));
    batch.forEach((c, j) => {
      const found = problems(c, outcomes[j]);
      if (found.length > 0) {
        failures.push(
          `${c.name}: ${found.join('; ')}\n    stderr: ${JSON.stringify(outcomes[j].stderr.slice(0, 300))}`,
        );
      }
    });
  }
  // Nothing the corpus started still runs anywhere with a working folder under it.
  const stray = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    });
  assert.deepEqual(stray, [], 'processes still running in a case folder');
  assert.deepEqual(failures, []);
});
