import { z } from 'zod';

/** A shape without the batch dimension: [H, W, C] for images, [D] for vectors. */
export type Shape = readonly number[];

/** Readable, stable ids: `conv3`, `conv3_deep1`, `fc1.act`. */
export const NodeId = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.-]*$/,
    'ids start with a letter or "_" and use letters, digits, "_", "." or "-"',
  );

export const posInt = z.number().int().positive();

export function nodeBase<K extends string>(kind: K) {
  return { id: NodeId, kind: z.literal(kind), inputs: z.array(NodeId) };
}

export const Padding = z.enum(['same', 'valid']);
export type Padding = z.infer<typeof Padding>;

/** A parameter tensor a node owns, keyed `nodeId/<name>` in the weight store. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'glorot' | 'zeros' | 'ones' | 'prelu';
}

/** Thrown by a kind's pure shape function; the caller adds the node's name. */
export class ShapeProblem extends Error {}

export function expectRank(shape: Shape, rank: number, what: string): void {
  if (shape.length !== rank) {
    throw new ShapeProblem(
      `expects ${what} (rank ${rank}), received shape [${shape.join(', ')}]` +
        (rank === 1 && shape.length === 3 ? '; insert a flatten or global pool first' : ''),
    );
  }
}

/** Spatial output size of a windowed op (conv or pool), as TensorFlow computes it. */
export function windowOut(size: number, window: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

export const channels = (shape: Shape): number => shape[shape.length - 1];
