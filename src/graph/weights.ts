/**
 * Weights live beside the IR, keyed `nodeId/param` (`conv1/kernel`, `bn2/movingMean`), as
 * plain Float32Arrays so that morphisms are pure array maths. Layouts follow tfjs/Keras:
 * conv kernel [k, k, in, out], dense kernel [in, out], per-channel vectors [C].
 */
import { GraphError } from './errors';
import { Shape } from './kinds/common';
import { nodeParams } from './node';
import { inferShapes, inputShapes } from './shapes';
import { Graph } from './graph';
import { Rng } from './rng';

export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}
export type Weights = Map<string, WeightTensor>;

export const weightKey = (nodeId: string, param: string): string => `${nodeId}/${param}`;

export interface ParamEntry {
  key: string;
  nodeId: string;
  name: string;
  shape: number[];
  init: 'glorot' | 'zeros' | 'ones' | 'prelu';
}

/** Every parameter tensor the graph needs, in node order. */
export function paramEntries(g: Graph, shapes: Map<string, Shape> = inferShapes(g)): ParamEntry[] {
  return g.nodes.flatMap((n) =>
    nodeParams(n, inputShapes(n, shapes)).map((p) => ({ ...p, key: weightKey(n.id, p.name), nodeId: n.id })),
  );
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function countParams(g: Graph): number {
  return paramEntries(g).reduce((a, p) => a + size(p.shape), 0);
}

/** Fresh weights: Glorot-uniform kernels, zero biases, identity batch norm, PReLU alpha 0.25. */
export function initWeights(g: Graph, rng: Rng): Weights {
  const w: Weights = new Map();
  for (const p of paramEntries(g)) w.set(p.key, initTensor(p, rng));
  return w;
}

/** One parameter's fresh tensor by its initialiser (the law of `initWeights`). */
export function initTensor(p: Pick<ParamEntry, 'shape' | 'init'>, rng: Rng): WeightTensor {
  const data = new Float32Array(size(p.shape));
  switch (p.init) {
    case 'glorot': {
      const receptive = p.shape.length === 4 ? p.shape[0] * p.shape[1] : 1;
      const fanIn = receptive * p.shape[p.shape.length - 2];
      const fanOut = receptive * p.shape[p.shape.length - 1];
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-limit, limit);
      break;
    }
    case 'ones':
      data.fill(1);
      break;
    case 'prelu':
      data.fill(0.25);
      break;
    case 'zeros':
      break;
  }
  return { shape: [...p.shape], data };
}

/** Every parameter present with the right shape, and nothing else; errors name the key. */
export function checkWeights(g: Graph, w: Weights): void {
  const entries = paramEntries(g);
  const want = new Set(entries.map((p) => p.key));
  for (const p of entries) {
    const t = w.get(p.key);
    if (!t)
      throw new GraphError('shape', `weights lack '${p.key}' (shape [${p.shape.join(', ')}])`, p.nodeId);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new GraphError(
        'shape',
        `weight '${p.key}' has shape [${t.shape.join(', ')}], the graph needs [${p.shape.join(', ')}]`,
        p.nodeId,
      );
    }
    if (t.data.length !== size(t.shape)) {
      throw new GraphError(
        'shape',
        `weight '${p.key}' holds ${t.data.length} values for shape [${t.shape}]`,
        p.nodeId,
      );
    }
  }
  for (const k of w.keys()) {
    if (!want.has(k)) throw new GraphError('shape', `weight '${k}' belongs to no parameter of the graph`);
  }
}

export function cloneWeights(w: Weights): Weights {
  return new Map([...w].map(([k, t]) => [k, { shape: [...t.shape], data: t.data.slice() }]));
}
