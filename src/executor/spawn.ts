/**
 * Runs one `netgrow <command>` in a child process: how the process executor trains and how the
 * evaluate activity scores checkpoints, so that no tensor work runs on a worker's event loop.
 *
 * A child never outlives the worker that started it: a SIGKILLed worker cannot forward a
 * cancellation, and an orphaned trainer would go on writing the run folder while the retry
 * on another worker resumes from it. A small guard shell holds a pipe from this process and
 * sends the child SIGTERM (a trainer checkpoints to interrupted/, then exits) when the pipe
 * closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../contracts/package-root';

export interface NetgrowChildOptions {
  /** The netgrow entry script; default: this package's bin/netgrow.js. */
  bin?: string;
  /** Extra environment (backend choice, data dir); secrets stay in the environment only. */
  env?: Record<string, string>;
  /** Aborting sends SIGTERM, then SIGKILL after `killGraceSeconds`. */
  signal?: AbortSignal;
  /** Seconds between SIGTERM and SIGKILL when aborted (default 10). */
  killGraceSeconds?: number;
  /** Every line the child writes, as it comes. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface NetgrowChildExit {
  /** The exit code; -1 when a signal ended it. */
  code: number | null;
  /** Its last 20 lines (both streams), for an error message. */
  tail: string[];
}

export function netgrowBin(): string {
  return join(packageRoot(), 'bin', 'netgrow.js');
}

export async function runNetgrow(args: string[], opts: NetgrowChildOptions = {}): Promise<NetgrowChildExit> {
  const { signal } = opts;
  const child = spawn(process.execPath, [opts.bin ?? netgrowBin(), ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C in the terminal reaches the worker, whose cancellation
    // sends the child one SIGTERM (checkpoint, then exit); the terminal's SIGINT on top
    // would be a second signal, on which a trainer leaves without checkpointing.
    detached: true,
  });
  const guard = stopWithParent(child);
  const tail: string[] = [];
  const lineFrom = (stream: 'stdout' | 'stderr') => (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    opts.onLine?.(line, stream);
  };
  createInterface({ input: child.stdout }).on('line', lineFrom('stdout'));
  createInterface({ input: child.stderr }).on('line', lineFrom('stderr'));
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), (opts.killGraceSeconds ?? 10) * 1000);
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, sig) => resolve(c ?? (sig ? -1 : null)));
  }).finally(() => {
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(killTimer);
    guard?.kill('SIGKILL');
  });
  return { code, tail };
}

/**
 * A shell that waits on a pipe from this process and, when it closes (this process ended,
 * however), sends the child SIGTERM, then SIGKILL if it is still there 30 s later.
 */
function stopWithParent(child: ChildProcess): ChildProcess | null {
  if (child.pid === undefined) return null;
  const script =
    'trap "" INT; read -r _; kill -TERM "$1" 2>/dev/null && sleep 30 && kill -KILL "$1" 2>/dev/null';
  // Its own session: `kill -9` of the worker's whole process group must not take the guard with it.
  const guard = spawn('/bin/sh', ['-c', script, 'netgrow-child-guard', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  guard.on('error', () => undefined);
  guard.unref();
  (guard.stdin as unknown as Socket).unref();
  return guard;
}
