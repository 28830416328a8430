import { z } from 'zod';
import { channels, nodeBase, ParamSpec, Shape } from './common';

/** Batch normalisation over the last (channel) axis, Keras semantics. */
export const BatchnormNode = z.strictObject({
  ...nodeBase('batchnorm'),
  epsilon: z.number().positive().default(1e-3),
  momentum: z.number().min(0).max(1).default(0.99),
});
export type BatchnormNode = z.infer<typeof BatchnormNode>;

export function batchnormParams(_n: BatchnormNode, [x]: Shape[]): ParamSpec[] {
  const c = [channels(x)];
  return [
    { name: 'gamma', shape: c, init: 'ones' },
    { name: 'beta', shape: c, init: 'zeros' },
    { name: 'movingMean', shape: c, init: 'zeros' },
    { name: 'movingVariance', shape: c, init: 'ones' },
  ];
}
