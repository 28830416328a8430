/**
 * Learning-rate schedules. `constant`, `step` and `cosine` are functions of the position in
 * the run; `plateau` (the seed's ReduceLROnPlateau on val loss) depends on the history, so
 * its state travels in every epoch checkpoint.
 */
import { z } from 'zod';
import { ScheduleSpec } from '../contracts/train';

export const ScheduleState = z.strictObject({
  /** The rate plateau reductions have brought the base rate to. */
  lr: z.number(),
  best: z.number().nullable(),
  wait: z.number().int().min(0),
});
export type ScheduleState = z.infer<typeof ScheduleState>;

export class LrSchedule {
  private state: ScheduleState;

  constructor(
    private readonly spec: ScheduleSpec,
    private readonly baseLr: number,
    private readonly epochs: number,
    state?: ScheduleState,
  ) {
    this.state = state ? { ...state } : { lr: baseLr, best: null, wait: 0 };
  }

  /** The rate for a step; `epoch` is 0-based, `progress` ∈ [0, 1) the fraction of it done. */
  lrAt(epoch: number, progress: number): number {
    const s = this.spec;
    switch (s.kind) {
      case 'constant':
        return this.baseLr;
      case 'step':
        return this.baseLr * s.factor ** Math.floor(epoch / s.every);
      case 'cosine': {
        // Per step, not per epoch: a short run still anneals smoothly (Loshchilov & Hutter 2017).
        const t = Math.min(1, (epoch + progress) / this.epochs);
        return s.minLr + ((this.baseLr - s.minLr) * (1 + Math.cos(Math.PI * t))) / 2;
      }
      case 'plateau':
        return this.state.lr;
    }
  }

  /** After an epoch: `monitored` is val loss (train loss without a validation split). */
  endEpoch(monitored: number): void {
    const s = this.spec;
    if (s.kind !== 'plateau' || !Number.isFinite(monitored)) return;
    // Keras' default min_delta for plateau: 1e-4 relative ('rel' threshold mode).
    if (this.state.best === null || monitored < this.state.best * (1 - 1e-4)) {
      this.state.best = monitored;
      this.state.wait = 0;
      return;
    }
    this.state.wait++;
    if (this.state.wait >= s.patience) {
      this.state.lr = Math.max(this.state.lr * s.factor, s.minLr);
      this.state.wait = 0;
    }
  }

  snapshot(): ScheduleState {
    return { ...this.state };
  }
}

export const EarlyStoppingState = z.strictObject({
  best: z.number().nullable(),
  wait: z.number().int().min(0),
});
export type EarlyStoppingState = z.infer<typeof EarlyStoppingState>;

/** Stops when val accuracy has not improved by `minDelta` for `patience` epochs (0 = never). */
export class EarlyStopping {
  private state: EarlyStoppingState;

  constructor(
    private readonly patience: number,
    private readonly minDelta: number,
    state?: EarlyStoppingState,
  ) {
    this.state = state ? { ...state } : { best: null, wait: 0 };
  }

  /** Records an epoch's accuracy; true when training should stop. */
  endEpoch(acc: number): boolean {
    if (this.state.best === null || acc > this.state.best + this.minDelta) {
      this.state.best = acc;
      this.state.wait = 0;
    } else {
      this.state.wait++;
    }
    return this.patience > 0 && this.state.wait >= this.patience;
  }

  snapshot(): EarlyStoppingState {
    return { ...this.state };
  }
}
