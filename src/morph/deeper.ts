/**
 * `deeper <node> [kernel=k] [pool=max|avg]`: Net2DeeperNet (Chen et al. 2016, §2.3). A new
 * conv2d (centred identity kernel, `same` padding) or dense (identity matrix) goes into the
 * node's block where an exact nonlinearity can follow it (`identityPlacement`: after the
 * block's ReLU or PReLU, with the same activation), mirroring the block's batch norm
 * (identity statistics). Where none can (a block ending in a batch norm, tanh, ...) the new
 * layer is linear, merges with its neighbour into one linear map, and the plan says so
 * (`linearLayer`). With `pool`, the seed's deeper-with-pooling adds a 2x2 pool after it, which
 * is not preserving.
 */
import { Graph, Rng } from '../graph';
import { CommandOf } from './command';
import { MorphError } from './errors';
import {
  blockOf,
  identityBlock,
  identityPlacement,
  isHead,
  nameOf,
  numberedId,
  resolveLayer,
  rootId,
  spliceAfter,
  withWeights,
} from './graph-edit';
import { planPoolAfter, PoolPlan } from './insert';
import { MorphPlan } from './types';

export function planDeeper(g: Graph, c: CommandOf<'deeper'>, _rng: Rng): MorphPlan {
  const n = resolveLayer(g, c.node);
  const name = nameOf(g, n.id);
  if (n.kind !== 'conv2d' && n.kind !== 'dense') {
    throw new MorphError(
      'wrong_kind',
      `${name} is a ${n.kind}; deeper applies to conv2d and dense layers`,
      n.id,
    );
  }
  const block = blockOf(g, n.id);
  if (isHead(g, block.tail)) {
    throw new MorphError(
      'output_head',
      `${name} is the output head; a layer after it would change what the network outputs (deepen an earlier layer)`,
      n.id,
    );
  }
  if (c.pool && n.kind === 'dense') {
    throw new MorphError(
      'wrong_kind',
      `${name} is dense; pool=${c.pool} needs a conv2d layer (an image)`,
      n.id,
    );
  }
  const id = numberedId(g, `${rootId(n.id)}_deep`);
  const width = n.kind === 'conv2d' ? n.filters : n.units;
  const place = identityPlacement(block);
  const layer = identityBlock({
    id,
    input: place.anchor,
    kind: n.kind,
    width,
    kernel: c.kernel,
    bias: n.bias,
    template: block,
    activation: place.activation,
  });
  let graph = spliceAfter(g, place.anchor, layer.nodes, layer.tail, `a new layer after ${name}`);
  const extra = layer.nodes.slice(1).map((x) => x.id);
  let pool: PoolPlan | undefined;
  if (c.pool) {
    pool = planPoolAfter(graph, layer.tail, c.pool, `${id}.pool`, `after ${nameOf(graph, id)}`);
    graph = pool.graph;
  }
  const shape =
    n.kind === 'conv2d' ? `${c.kernel}x${c.kernel} conv2d, ${width} filters` : `dense, ${width} units`;
  return {
    graph,
    preserving: !pool,
    description:
      `new ${nameOf(graph, id)} after ${nameOf(g, n.id)}: identity ${shape}` +
      (extra.length ? ` + ${extra.map((e) => `'${e}'`).join(', ')}` : '') +
      (place.linear ? `; adds a linear layer (the block of ${nameOf(g, n.id)} has no ReLU or PReLU)` : '') +
      (pool ? `; ${pool.description} (not function-preserving)` : ''),
    linearLayer: place.linear,
    added: [...layer.nodes.map((x) => x.id), ...(pool?.added ?? [])],
    changed: pool?.changed ?? [],
    weights: (w) => {
      const out = withWeights(w, layer.weights);
      return pool ? pool.weights(out) : out;
    },
    // The new layer's slots are zero (absent); the parent's pass through, or the pool's rows.
    slots: (s, moment) => (pool ? pool.slots(s, moment) : s),
  };
}
