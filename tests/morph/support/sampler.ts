/**
 * The mutation sampler's options the morph property tests share: every operation equally
 * likely, widths kept small so a case runs in milliseconds.
 */
import type { SamplerOptions } from '../../../src/morph';

export const EVERY_OP: Partial<SamplerOptions> = {
  weights: {
    deeper: 1,
    wider: 1,
    skip: 1,
    group: 1,
    kernel: 1,
    branch: 1,
    'insert-bn': 1,
    'insert-dropout': 1,
    'deeper-pool': 1,
  },
  convRatio: [1.2, 2.5],
  maxConvWidth: 24,
  denseRatio: [1.2, 2.5],
  maxDenseWidth: 48,
  maxTries: 60,
};
