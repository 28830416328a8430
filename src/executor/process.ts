/**
 * Runs `netgrow train --spec` in a child process: the default executor of the embedded
 * mode, and the same command a Kubernetes pod runs. At most `parallelism` runs at once.
 *
 * A trainer never outlives the worker that started it: a SIGKILLed worker cannot forward a
 * cancellation, and an orphaned trainer would go on writing the run folder while the retry
 * on another worker resumes from it. A small guard shell holds a pipe from this process and
 * sends the trainer SIGTERM (checkpoint to interrupted/, exit) when the pipe closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openStore } from '../storage';
import { TRAIN_EXIT, TrainResult, TrainSpec } from '../train/spec';
import { ExecutorError, parseProgressLine, RunOptions, Slots, TrainExecutor } from './executor';

export interface ProcessExecutorOptions {
  parallelism?: number;
  /** The netgrow entry script; default: this checkout's bin/netgrow.js. */
  bin?: string;
  /** Extra environment for the trainer (backend choice, data dir); secrets stay in the env only. */
  env?: Record<string, string>;
  /** Seconds between SIGTERM and SIGKILL when a run is cancelled. */
  killGraceSeconds?: number;
  /** Called with each stderr/stdout line that is not a progress line (console output). */
  onLog?: (line: string, runId: string) => void;
}

export class ProcessExecutor implements TrainExecutor {
  readonly kind = 'process' as const;
  readonly parallelism: number;
  private readonly slots: Slots;

  constructor(private readonly opts: ProcessExecutorOptions = {}) {
    this.parallelism = Math.max(1, opts.parallelism ?? availableParallelism());
    this.slots = new Slots(this.parallelism);
  }

  run(spec: TrainSpec, opts: RunOptions = {}): Promise<TrainResult> {
    return this.slots.take(() => this.runNow(spec, opts));
  }

  private async runNow(spec: TrainSpec, { onProgress, signal }: RunOptions): Promise<TrainResult> {
    if (signal?.aborted)
      throw new ExecutorError('cancelled', `run ${spec.runId} cancelled before it started`);
    const dir = mkdtempSync(join(tmpdir(), 'netgrow-spec-'));
    const specFile = join(dir, `${spec.runId}.json`);
    writeFileSync(specFile, JSON.stringify(spec));
    const bin = this.opts.bin ?? join(__dirname, '..', '..', 'bin', 'netgrow.js');
    const child = spawn(process.execPath, [bin, 'train', '--spec', specFile], {
      env: { ...process.env, ...this.opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C in the terminal reaches the worker, whose cancellation
      // sends the trainer one SIGTERM (checkpoint, then exit); the terminal's SIGINT on top
      // would be a second signal, on which the trainer leaves without checkpointing.
      detached: true,
    });
    const guard = stopWithParent(child);
    const tail: string[] = [];
    const keep = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      this.opts.onLog?.(line, spec.runId);
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      const p = parseProgressLine(line);
      if (p) onProgress?.(p);
      else keep(line);
    });
    createInterface({ input: child.stderr }).on('line', keep);
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), (this.opts.killGraceSeconds ?? 10) * 1000);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, sig) => resolve(c ?? (sig ? -1 : null)));
    }).finally(() => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      guard?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    if (signal?.aborted) throw new ExecutorError('cancelled', `run ${spec.runId} cancelled`);
    const why = tail.slice(-5).join(' | ');
    if (code === TRAIN_EXIT.badInput) throw new ExecutorError('bad_input', `run ${spec.runId}: ${why}`);
    if (code !== TRAIN_EXIT.done && code !== TRAIN_EXIT.diverged) {
      throw new ExecutorError('infrastructure', `run ${spec.runId} exited with code ${code}: ${why}`);
    }
    return readResult(spec);
  }
}

/**
 * A shell that waits on a pipe from this process and, when it closes (this process ended,
 * however), sends the trainer SIGTERM, then SIGKILL if it is still there 30 s later. Its own
 * session: `kill -9` of the worker's whole process group must not take the guard with it.
 */
function stopWithParent(child: ChildProcess): ChildProcess | null {
  if (child.pid === undefined) return null;
  const script =
    'trap "" INT; read -r _; kill -TERM "$1" 2>/dev/null && sleep 30 && kill -KILL "$1" 2>/dev/null';
  const guard = spawn('/bin/sh', ['-c', script, 'netgrow-trainer-guard', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  guard.on('error', () => undefined);
  guard.unref();
  (guard.stdin as unknown as Socket).unref();
  return guard;
}

/** result.json of a finished run, schema-checked. */
export async function readResult(spec: TrainSpec): Promise<TrainResult> {
  const store = openStore(spec.output);
  try {
    return TrainResult.parse(JSON.parse(await store.getText('result.json')));
  } catch (e) {
    throw new ExecutorError(
      'infrastructure',
      `run ${spec.runId} finished without a readable result.json: ${(e as Error).message}`,
    );
  }
}
