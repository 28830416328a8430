import { z } from 'zod';
import { expectRank, nodeBase, Padding, posInt, Shape, ShapeProblem, windowOut } from './common';

const windowed = { pool: posInt.default(2), stride: posInt.optional(), padding: Padding.default('valid') };

export const MaxPoolNode = z.strictObject({ ...nodeBase('maxpool2d'), ...windowed });
export const AvgPoolNode = z.strictObject({ ...nodeBase('avgpool2d'), ...windowed });
export type MaxPoolNode = z.infer<typeof MaxPoolNode>;
export type AvgPoolNode = z.infer<typeof AvgPoolNode>;
export type PoolNode = MaxPoolNode | AvgPoolNode;

export const GlobalMaxPoolNode = z.strictObject({ ...nodeBase('globalmaxpool') });
export const GlobalAvgPoolNode = z.strictObject({ ...nodeBase('globalavgpool') });
export type GlobalMaxPoolNode = z.infer<typeof GlobalMaxPoolNode>;
export type GlobalAvgPoolNode = z.infer<typeof GlobalAvgPoolNode>;

export const poolStride = (n: PoolNode): number => n.stride ?? n.pool;

export function poolShape(n: PoolNode, [x]: Shape[]): Shape {
  expectRank(x, 3, 'an image [H, W, C]');
  const s = poolStride(n);
  const h = windowOut(x[0], n.pool, s, n.padding);
  const w = windowOut(x[1], n.pool, s, n.padding);
  if (h < 1 || w < 1) {
    throw new ShapeProblem(`a ${n.pool}x${n.pool} pool would shrink the ${x[0]}x${x[1]} map below 1x1`);
  }
  return [h, w, x[2]];
}

export function globalPoolShape([x]: Shape[]): Shape {
  expectRank(x, 3, 'an image [H, W, C]');
  return [x[2]];
}
