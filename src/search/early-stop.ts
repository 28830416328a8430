/**
 * Early stopping of weak candidates within a generation, decided at one rung: when a candidate
 * has trained `afterEpochs` epochs, its validation accuracy there is judged against the rung
 * scores of the candidates of its generation that got there before it. Decisions are made on
 * arrival (asynchronously, as ASHA does): candidates run at most `parallelism` at once, so a
 * barrier waiting for the whole generation would hold every slot. Pure, for the workflow; the
 * arrival order is in the workflow's history, so a replay decides the same.
 *
 * - `median`: stop when below the median of the earlier rung scores, once there are at least
 *   `minPeers` of them (the median stopping rule of Google Vizier / Optuna's MedianPruner).
 * - `halving`: continue only when among the best ⌈keep·n⌉ of the n rung scores so far, its own
 *   included (successive halving with one rung, asynchronous).
 */
import type { EarlyStopConfig } from './config';

export interface RungDecision {
  keep: boolean;
  /** The score it had to reach; null when there was nothing to judge against. */
  threshold: number | null;
}

export function rungDecision(
  rule: EarlyStopConfig,
  earlier: readonly number[],
  valAcc: number | null,
): RungDecision {
  if (valAcc === null) return { keep: true, threshold: null };
  if (rule.rule === 'median') {
    if (earlier.length < rule.minPeers) return { keep: true, threshold: null };
    const threshold = median(earlier);
    return { keep: valAcc >= threshold, threshold };
  }
  const all = [...earlier, valAcc].sort((a, b) => b - a);
  const threshold = all[Math.max(1, Math.ceil(rule.keep * all.length)) - 1];
  return { keep: valAcc >= threshold, threshold };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The rung epoch of a candidate trained for `epochs`, or null when the rule cannot apply. */
export function rungEpoch(rule: EarlyStopConfig | null | undefined, epochs: number): number | null {
  return rule && rule.afterEpochs < epochs ? rule.afterEpochs : null;
}
