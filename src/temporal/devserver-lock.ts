/**
 * One Temporal dev server per SQLite file, ever. Two servers on one database corrupt it, so
 * `temporal.lock` beside the database names the netgrow process that owns the server, created
 * with O_EXCL so that two netgrow processes starting at once cannot both win. Whatever the
 * lock says, /proc is the truth about which server processes have the database open.
 *
 * Linux only (/proc), like the rest of the embedded-server path.
 */
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';

export interface DevServerLock {
  /** The netgrow process that started (or adopted) the server. */
  ownerPid: number;
  /** Its start time in clock ticks since boot (/proc/<pid>/stat field 22): a reused pid is not the owner. */
  ownerStart: number;
  serverPid?: number;
  guardPid?: number;
  address?: string;
  uiUrl?: string | null;
}

/** A server process whose command line opens `dbFile`, as read from /proc. */
export interface RunningServer {
  pid: number;
  ip: string;
  port: number;
  /** null: started with --headless. */
  uiPort: number | null;
}

export type LockOutcome =
  { kind: 'acquired' } | { kind: 'held'; lock: DevServerLock } | { kind: 'self'; lock: DevServerLock };

export function lockPath(dbFile: string): string {
  return `${dbFile}.lock`;
}

/** Takes the lock for this process; a lock whose owner is gone is stale and taken over. */
export function acquireLock(dbFile: string): LockOutcome {
  const path = lockPath(dbFile);
  const mine: DevServerLock = { ownerPid: process.pid, ownerStart: startTime(process.pid) ?? 0 };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(mine) + '\n');
      closeSync(fd);
      return { kind: 'acquired' };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const lock = readLock(dbFile);
    if (lock && ownerAlive(lock)) return { kind: lock.ownerPid === process.pid ? 'self' : 'held', lock };
    // Stale (its owner died) or unreadable (torn write of a dying owner): take it over.
    rmSync(path, { force: true });
  }
  const lock = readLock(dbFile);
  return lock ? { kind: 'held', lock } : { kind: 'acquired' };
}

export function updateLock(dbFile: string, fields: Partial<DevServerLock>): void {
  const lock = readLock(dbFile);
  if (!lock || lock.ownerPid !== process.pid) return;
  writeFileSync(lockPath(dbFile), JSON.stringify({ ...lock, ...fields }) + '\n');
}

/** Removes the lock when this process holds it. */
export function releaseLock(dbFile: string): void {
  const lock = readLock(dbFile);
  if (lock && lock.ownerPid === process.pid) rmSync(lockPath(dbFile), { force: true });
}

export function readLock(dbFile: string): DevServerLock | null {
  try {
    const lock = JSON.parse(readFileSync(lockPath(dbFile), 'utf8')) as DevServerLock;
    return Number.isInteger(lock.ownerPid) ? lock : null;
  } catch {
    return null;
  }
}

function ownerAlive(lock: DevServerLock): boolean {
  const start = startTime(lock.ownerPid);
  return start !== null && (lock.ownerStart === 0 || start === lock.ownerStart);
}

/** Field 22 of /proc/<pid>/stat; null when the process does not exist (or is a zombie). */
export function startTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null;
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/** Every live `temporal server start-dev` process with `--db-filename dbFile`. */
export function serversOn(dbFile: string): RunningServer[] {
  const found: RunningServer[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // ended meanwhile
    }
    const flag = (name: string) => {
      const i = argv.indexOf(name);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    if (!argv.includes('start-dev') || flag('--db-filename') !== dbFile) continue;
    if (startTime(Number(entry)) === null) continue;
    const port = Number(flag('--port') ?? 7233);
    const uiPort = argv.includes('--headless') ? null : Number(flag('--ui-port') ?? port + 1000);
    found.push({ pid: Number(entry), ip: flag('--ip') ?? '127.0.0.1', port, uiPort });
  }
  return found;
}
