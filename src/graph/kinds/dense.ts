import { z } from 'zod';
import { expectRank, nodeBase, ParamSpec, posInt, Shape } from './common';

/** A fully connected layer on a vector. Its activation is a separate node. */
export const DenseNode = z.strictObject({
  ...nodeBase('dense'),
  units: posInt,
  bias: z.boolean().default(true),
});
export type DenseNode = z.infer<typeof DenseNode>;

export function denseShape(n: DenseNode, [x]: Shape[]): Shape {
  expectRank(x, 1, 'a vector [D]');
  return [n.units];
}

export function denseParams(n: DenseNode, [x]: Shape[]): ParamSpec[] {
  const p: ParamSpec[] = [{ name: 'kernel', shape: [x[0], n.units], init: 'glorot' }];
  if (n.bias) p.push({ name: 'bias', shape: [n.units], init: 'zeros' });
  return p;
}
