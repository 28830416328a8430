/**
 * How long a run waited before its trainer ran, and why (a ResourceQuota full, the scheduler's
 * reason, an image being pulled): the executor's `onWaiting` reports pass through here on their
 * way to the activity's heartbeat, and the sum goes into the run's result, which Temporal keeps
 * in history. A heartbeat alone shows a wait only while it lasts, and only if one is sent then.
 */
import type { TrainResult } from '../contracts/train';

/** Distinct reasons kept per run, each cut to REASON_CHARS: a result stays small in history. */
const MAX_REASONS = 4;
const REASON_CHARS = 200;

export class WaitClock {
  private since: number | null = null;
  private totalMs = 0;
  private readonly reasons: string[] = [];

  constructor(
    private readonly now: () => number,
    private readonly forward?: (why: string | null) => void,
  ) {}

  readonly onWaiting = (why: string | null): void => {
    const t = this.now();
    if (why === null) {
      if (this.since !== null) this.totalMs += t - this.since;
      this.since = null;
    } else {
      this.since ??= t;
      const reason = why.length > REASON_CHARS ? `${why.slice(0, REASON_CHARS - 1)}…` : why;
      if (this.reasons.length < MAX_REASONS && !this.reasons.includes(reason)) this.reasons.push(reason);
    }
    this.forward?.(why);
  };

  /** The waits so far (one still open counted to now); undefined when the run never waited. */
  waited(): TrainResult['waited'] {
    if (this.reasons.length === 0) return undefined;
    const open = this.since === null ? 0 : this.now() - this.since;
    return { seconds: Math.round((this.totalMs + open) / 100) / 10, reasons: [...this.reasons] };
  }
}
