import { z } from 'zod';
import { nodeBase, posInt, Shape, ShapeProblem } from './common';

/** Flattens [H, W, C] to [H*W*C] in row-major (H, W, C) order, as Keras does channels-last. */
export const FlattenNode = z.strictObject({ ...nodeBase('flatten') });
export type FlattenNode = z.infer<typeof FlattenNode>;

/** Element-wise sum of two or more tensors of one shape (residual connections). */
export const AddNode = z.strictObject({ ...nodeBase('add') });
export type AddNode = z.infer<typeof AddNode>;

/** Concatenation along the channel (last) axis (grouped convs, inception towers). */
export const ConcatNode = z.strictObject({ ...nodeBase('concat') });
export type ConcatNode = z.infer<typeof ConcatNode>;

/** Channels [begin, begin+size) of the last axis (the split of a grouped convolution). */
export const SliceNode = z.strictObject({
  ...nodeBase('slice'),
  begin: z.number().int().min(0),
  size: posInt,
});
export type SliceNode = z.infer<typeof SliceNode>;

export function flattenShape([x]: Shape[]): Shape {
  return [x.reduce((a, b) => a * b, 1)];
}

export function addShape(xs: Shape[]): Shape {
  const first = xs[0];
  for (const s of xs) {
    if (s.length !== first.length || s.some((d, i) => d !== first[i])) {
      throw new ShapeProblem(
        `adds tensors of different shapes: ${xs.map((x) => `[${x.join(', ')}]`).join(' + ')}`,
      );
    }
  }
  return first;
}

export function concatShape(xs: Shape[]): Shape {
  const first = xs[0];
  for (const s of xs) {
    if (s.length !== first.length || s.slice(0, -1).some((d, i) => d !== first[i])) {
      throw new ShapeProblem(
        `concatenates tensors whose non-channel dimensions differ: ${xs.map((x) => `[${x.join(', ')}]`).join(', ')}`,
      );
    }
  }
  return [...first.slice(0, -1), xs.reduce((a, s) => a + s[s.length - 1], 0)];
}

export function sliceShape(n: SliceNode, [x]: Shape[]): Shape {
  const c = x[x.length - 1];
  if (n.begin + n.size > c) {
    throw new ShapeProblem(`takes channels [${n.begin}, ${n.begin + n.size}) of an input with only ${c}`);
  }
  return [...x.slice(0, -1), n.size];
}
