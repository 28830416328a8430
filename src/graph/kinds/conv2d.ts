import { z } from 'zod';
import { expectRank, nodeBase, Padding, ParamSpec, posInt, Shape, ShapeProblem, windowOut } from './common';

/** A 2-D convolution, NHWC, square kernel, optional bias. Its activation is a separate node. */
export const Conv2dNode = z.strictObject({
  ...nodeBase('conv2d'),
  filters: posInt,
  kernel: posInt,
  stride: posInt.default(1),
  padding: Padding.default('same'),
  bias: z.boolean().default(true),
});
export type Conv2dNode = z.infer<typeof Conv2dNode>;

export function conv2dShape(n: Conv2dNode, [x]: Shape[]): Shape {
  expectRank(x, 3, 'an image [H, W, C]');
  const h = windowOut(x[0], n.kernel, n.stride, n.padding);
  const w = windowOut(x[1], n.kernel, n.stride, n.padding);
  if (h < 1 || w < 1) {
    throw new ShapeProblem(
      `kernel ${n.kernel} with padding 'valid' does not fit a ${x[0]}x${x[1]} input; use padding 'same' or a smaller kernel`,
    );
  }
  return [h, w, n.filters];
}

export function conv2dParams(n: Conv2dNode, [x]: Shape[]): ParamSpec[] {
  const p: ParamSpec[] = [{ name: 'kernel', shape: [n.kernel, n.kernel, x[2], n.filters], init: 'glorot' }];
  if (n.bias) p.push({ name: 'bias', shape: [n.filters], init: 'zeros' });
  return p;
}

export function conv2dMacs(n: Conv2dNode, [x]: Shape[], out: Shape): number {
  return out[0] * out[1] * n.filters * n.kernel * n.kernel * x[2];
}
