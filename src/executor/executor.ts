/**
 * Where a training run executes. The orchestration layer hands a TrainSpec to an executor
 * and waits for its TrainResult; in-process, child process and Kubernetes pod executors
 * differ only in where `netgrow train --spec` runs.
 */
import type { TrainProgress } from '../contracts/executor';
import { NetgrowError } from '../contracts/errors';
import { credentialValues, maskCredentials } from '../contracts/secrets';

export type { RunOptions, TrainExecutor, TrainProgress } from '../contracts/executor';

export type ExecutorErrorCode = 'bad_input' | 'infrastructure' | 'cancelled';

/**
 * Its message is masked of credentials (src/contracts/secrets.ts: the patterns, and the values
 * of this process's credential variables): it quotes trainers' log tails and goes into
 * workflow history. `retryable` tells the orchestrator whether trying the same run again can help;
 * `outOfMemory` that the run was killed for memory (a retry may want a smaller batch);
 * `deviceSeconds` what the run's pods used so far, where the executor measures it.
 */
export class ExecutorError extends NetgrowError {
  readonly outOfMemory: boolean;
  readonly deviceSeconds?: number;
  constructor(
    readonly code: ExecutorErrorCode,
    message: string,
    options?: ErrorOptions & { outOfMemory?: boolean; deviceSeconds?: number },
  ) {
    super(maskSecrets(message), code === 'bad_input' ? 'input' : 'infrastructure', options);
    this.name = 'ExecutorError';
    this.outOfMemory = options?.outOfMemory ?? false;
    if (options?.deviceSeconds !== undefined) this.deviceSeconds = options.deviceSeconds;
  }
  get retryable(): boolean {
    return this.code === 'infrastructure';
  }
}

/** `text` masked of credentials: the patterns, and the values of this process's credential variables. */
export function maskSecrets(text: string): string {
  return maskCredentials(text, credentialValues(process.env));
}

/** Progress lines on a trainer's stdout: `NETGROW_PROGRESS {"epoch":1,...}`. */
export const PROGRESS_PREFIX = 'NETGROW_PROGRESS ';

export function formatProgressLine(p: TrainProgress): string {
  return PROGRESS_PREFIX + JSON.stringify(p);
}

export function parseProgressLine(line: string): TrainProgress | null {
  if (!line.startsWith(PROGRESS_PREFIX)) return null;
  try {
    const p = JSON.parse(line.slice(PROGRESS_PREFIX.length)) as TrainProgress;
    return typeof p.epoch === 'number' && typeof p.step === 'number' ? p : null;
  } catch {
    return null;
  }
}

/** A counting semaphore: at most `n` runs at once on this machine. */
export class Slots {
  private free: number;
  private waiting: Array<() => void> = [];
  constructor(n: number) {
    this.free = Math.max(1, n);
  }
  async take<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
