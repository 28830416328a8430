/**
 * Divergence detection, checked after every step so that a run ends within steps of blowing
 * up (the seed: "gradient explosion happens when fc is too deep"). A loss counts as diverged
 * when it is NaN/Inf, or when it exceeds `multiple` × the running median of the last
 * `window` losses (from the second step on: an absurd learning rate blows up at once) AND
 * twice the chance-level loss 2·ln(classes): a spike from 0.001 to 0.5 is noise on a
 * well-fitted model, not an explosion.
 */
import { median } from './stats';

export interface DivergenceOptions {
  multiple: number;
  window: number;
  classes: number;
}

export class DivergenceMonitor {
  private readonly recent: number[];

  constructor(
    private readonly opts: DivergenceOptions,
    history: readonly number[] = [],
  ) {
    this.recent = history.slice(-opts.window);
  }

  /** Records a step's loss; returns why it diverged, or null when it is fine. */
  check(loss: number): string | null {
    if (!Number.isFinite(loss)) return `loss is ${loss}`;
    const median = this.median();
    const floor = 2 * Math.log(Math.max(2, this.opts.classes));
    if (median !== null && loss > this.opts.multiple * median && loss > floor) {
      return `loss ${loss.toPrecision(4)} exceeds ${this.opts.multiple} × the running median ${median.toPrecision(4)} of the last ${this.recent.length} steps`;
    }
    this.recent.push(loss);
    if (this.recent.length > this.opts.window) this.recent.shift();
    return null;
  }

  /** The losses the median is taken over (saved in checkpoints so a resume judges alike). */
  history(): number[] {
    return [...this.recent];
  }

  private median(): number | null {
    return this.recent.length === 0 ? null : median(this.recent);
  }
}
