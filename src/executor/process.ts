/**
 * Runs `netgrow train --spec` in a child process (spawn.ts): the default executor of the
 * embedded mode, and the same command a Kubernetes pod runs. At most `parallelism` runs at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../storage';
import { TRAIN_EXIT, TrainResult, TrainSpec } from '../contracts/train';
import { ExecutorError, parseProgressLine, RunOptions, Slots, TrainExecutor } from './executor';
import { runNetgrow } from './spawn';

export interface ProcessExecutorOptions {
  parallelism?: number;
  /** The netgrow entry script; default: this package's bin/netgrow.js. */
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
    const logged: string[] = [];
    const { code } = await runNetgrow(['train', '--spec', specFile], {
      bin: this.opts.bin,
      env: this.opts.env,
      signal,
      killGraceSeconds: this.opts.killGraceSeconds,
      onLine: (line) => {
        const p = parseProgressLine(line);
        if (p) return onProgress?.(p);
        logged.push(line);
        if (logged.length > 5) logged.shift();
        this.opts.onLog?.(line, spec.runId);
      },
    }).finally(() => rmSync(dir, { recursive: true, force: true }));
    if (signal?.aborted) throw new ExecutorError('cancelled', `run ${spec.runId} cancelled`);
    const why = logged.join(' | ');
    if (code === TRAIN_EXIT.badInput) throw new ExecutorError('bad_input', `run ${spec.runId}: ${why}`);
    if (code === TRAIN_EXIT.outOfMemory) {
      throw new ExecutorError('infrastructure', `run ${spec.runId} exited with code ${code}: ${why}`, {
        outOfMemory: true,
      });
    }
    if (code !== TRAIN_EXIT.done && code !== TRAIN_EXIT.diverged) {
      throw new ExecutorError('infrastructure', `run ${spec.runId} exited with code ${code}: ${why}`);
    }
    return readResult(spec);
  }
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
