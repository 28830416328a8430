import { z } from 'zod';
import { channels, nodeBase, ParamSpec, Shape } from './common';

export const ActivationFn = z.enum(['relu', 'prelu', 'elu', 'tanh', 'sigmoid', 'softmax', 'linear']);
export type ActivationFn = z.infer<typeof ActivationFn>;

/** An element-wise activation. `prelu` owns one alpha per channel (shared over H and W). */
export const ActivationNode = z.strictObject({
  ...nodeBase('activation'),
  fn: ActivationFn,
});
export type ActivationNode = z.infer<typeof ActivationNode>;

export function activationParams(n: ActivationNode, [x]: Shape[]): ParamSpec[] {
  return n.fn === 'prelu' ? [{ name: 'alpha', shape: [channels(x)], init: 'prelu' }] : [];
}
