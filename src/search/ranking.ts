/**
 * The ranking score of a candidate when the config penalises size: validation accuracy minus
 * λ·log10 of its parameter count or its forward FLOPs per sample. log10 makes the penalty a
 * price per order of magnitude: with λ = 0.01 a net ten times larger must gain one point of
 * accuracy to rank the same. Pure, for the workflows and the report alike.
 */
import type { PenaltyConfig } from './config';

export interface Sized {
  valAcc: number | null;
  params: number;
  /** Forward FLOPs per sample; absent when the mutate activity did not count them. */
  flops?: number;
}

/** The penalised score, or null when there is no accuracy or the measure it needs is unknown. */
export function penalizedScore(e: Sized, penalty: PenaltyConfig | null | undefined): number | null {
  if (e.valAcc === null || !penalty) return null;
  const [measure, lambda] = 'params' in penalty ? [e.params, penalty.params] : [e.flops, penalty.flops];
  if (measure === undefined || !(measure > 0)) return null;
  return e.valAcc - lambda * Math.log10(measure);
}

/** `val_acc − 0.01·log10(params)`: the criterion in words, for lineage and the report. */
export function criterionOf(penalty: PenaltyConfig | null | undefined): string {
  if (!penalty) return 'val_acc';
  return 'params' in penalty
    ? `val_acc - ${penalty.params}*log10(params)`
    : `val_acc - ${penalty.flops}*log10(flops)`;
}
