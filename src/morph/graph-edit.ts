/**
 * Graph surgery shared by the morphisms: resolving a layer name, finding a layer's block (the
 * layer plus the batch norm / activation / dropout that follow it), splicing new nodes in
 * after a node, and building identity-initialised blocks. New nodes go into the node array
 * right after the node they extend, so the canonical order (ties broken by array position)
 * gives them the positional slot the seed's plans expect: `deeper conv2` makes the new layer
 * `conv3`.
 */
import {
  ActivationFn,
  consumersMap,
  Graph,
  GraphError,
  GraphNode,
  GraphNodeInput,
  parseGraph,
  positionalNames,
  resolveNode,
  WeightTensor,
  weightKey,
  Weights,
} from '../graph';
import { MorphError } from './errors';
import { identityConvKernel, identityDenseKernel, tensorOf } from './tensor';

export function resolveLayer(g: Graph, ref: string): GraphNode {
  try {
    return resolveNode(g, ref);
  } catch (e) {
    if (e instanceof GraphError) throw new MorphError('unknown_node', e.message);
    throw e;
  }
}

/** How messages name a node: `conv3` (its positional name), plus `@id` when that differs. */
export function nameOf(g: Graph, id: string): string {
  const pos = positionalNames(g).get(id);
  if (pos) return pos === id ? pos : `${pos} (@${id})`;
  const n = g.nodes.find((x) => x.id === id);
  return n ? `${n.kind} '${id}'` : `'${id}'`;
}

/** The channel (last) dimension of a shape. */
export const channels = (shape: readonly number[]): number => shape[shape.length - 1];

export function nodeOf(g: Graph, id: string): GraphNode {
  return g.nodes.find((n) => n.id === id)!;
}

/** A layer and the per-channel nodes that follow it alone; `tail` is the block's output. */
export interface Block {
  layer: GraphNode;
  members: GraphNode[];
  tail: string;
}

export function blockOf(g: Graph, id: string): Block {
  const consumers = consumersMap(g.nodes);
  const layer = nodeOf(g, id);
  const members: GraphNode[] = [];
  let cur = id;
  while (cur !== g.output) {
    const cs = consumers.get(cur)!;
    if (cs.length !== 1) break;
    const next = nodeOf(g, cs[0]);
    const perChannel =
      next.kind === 'batchnorm' ||
      next.kind === 'dropout' ||
      (next.kind === 'activation' && next.fn !== 'softmax');
    if (!perChannel) break;
    members.push(next);
    cur = next.id;
  }
  return { layer, members, tail: cur };
}

/** Whether a block output is the network's head: the output itself, or what the final softmax reads. */
export function isHead(g: Graph, tail: string): boolean {
  if (tail === g.output) return true;
  return consumersMap(g.nodes)
    .get(tail)!
    .some((c) => {
      const n = nodeOf(g, c);
      return n.kind === 'activation' && n.fn === 'softmax';
    });
}

/** `base1`, `base2`, ...: the first whose id and sub-ids (`base1.act`) are all free. */
export function numberedId(g: Graph, base: string, extraTaken: Iterable<string> = []): string {
  const taken = new Set([...g.nodes.map((n) => n.id), ...extraTaken]);
  const clash = (id: string) => taken.has(id) || [...taken].some((t) => t.startsWith(`${id}.`));
  for (let k = 1; ; k++) if (!clash(`${base}${k}`)) return `${base}${k}`;
}

/** The id new layers are named after: `conv2_deep3` deepens into `conv2_deep4`, not `conv2_deep3_deep1`. */
export function rootId(id: string): string {
  return id.replace(/_deep[0-9]+$/, '');
}

/**
 * Inserts `added` after `anchor`: every node that read `anchor` (except the added ones) reads
 * `newTail` instead, and so does the output. The result is validated; a shape that no longer
 * fits is a refusal naming `what` was being inserted.
 */
export function spliceAfter(
  g: Graph,
  anchor: string,
  added: GraphNodeInput[],
  newTail: string,
  what: string,
): Graph {
  const addedIds = new Set(added.map((n) => n.id));
  const rewired = g.nodes.map((n) =>
    addedIds.has(n.id) || !n.inputs.includes(anchor)
      ? n
      : { ...n, inputs: n.inputs.map((p) => (p === anchor ? newTail : p)) },
  );
  const at = rewired.findIndex((n) => n.id === anchor);
  const nodes = [...rewired.slice(0, at + 1), ...added, ...rewired.slice(at + 1)];
  return reparse(g, nodes as GraphNodeInput[], g.output === anchor ? newTail : g.output, what);
}

/** parseGraph, with a shape problem turned into a refusal that says what was being built. */
export function reparse(g: Graph, nodes: GraphNodeInput[], output: string, what: string): Graph {
  try {
    return parseGraph({ format: g.format, name: g.name, nodes, output });
  } catch (e) {
    if (e instanceof GraphError) {
      throw new MorphError('shape', `${what} does not fit the network: ${e.message}`, e.nodeId);
    }
    throw e;
  }
}

/** A copy of `parent` with some tensors replaced or added (others shared) and some removed. */
export function withWeights(
  parent: Weights,
  set: Iterable<[string, WeightTensor]>,
  drop: Iterable<string> = [],
): Weights {
  const w = new Map(parent);
  for (const k of drop) w.delete(k);
  for (const [k, t] of set) w.set(k, t);
  return w;
}

/**
 * The activation an identity layer inserted after `block` gets, so that it stays exact:
 * ReLU again after a ReLU (idempotent on its own output), a PReLU with alpha 1 (the identity,
 * but trainable) after a PReLU, and none after anything else (tanh, ELU, a batch norm, ...).
 */
export function identityActivation(block: Block): ActivationFn | null {
  const last = [...block.members].reverse().find((n) => n.kind !== 'dropout');
  if (last?.kind === 'activation' && last.fn === 'relu') return 'relu';
  if (block.members.some((n) => n.kind === 'activation' && n.fn === 'prelu')) return 'prelu';
  return null;
}

/**
 * Where `deeper` puts an identity layer in `block`, and the activation it gets there. After a
 * ReLU or PReLU at the block's end: at the end, with the same activation (as
 * `identityActivation`). After a ReLU that a batch norm (or dropout) follows: right after the
 * ReLU, with a ReLU of its own — exact, since its inputs are ≥ 0 — so the new layer is not a
 * linear map that merges into its neighbour. Anywhere else (a block ending in a batch norm,
 * tanh, ELU, sigmoid, no activation) no exact nonlinearity exists: the layer goes at the end
 * without one and `linear` says so.
 */
export function identityPlacement(block: Block): {
  anchor: string;
  activation: ActivationFn | null;
  linear: boolean;
} {
  const activation = identityActivation(block);
  if (activation) return { anchor: block.tail, activation, linear: false };
  const relu = [...block.members].reverse().find((n) => n.kind === 'activation' && n.fn === 'relu');
  if (relu) return { anchor: relu.id, activation: 'relu', linear: false };
  return { anchor: block.tail, activation: null, linear: true };
}

export interface IdentityBlock {
  nodes: GraphNodeInput[];
  tail: string;
  weights: Array<[string, WeightTensor]>;
}

/**
 * An identity-initialised layer (conv2d with a centred identity kernel, or dense with the
 * identity matrix) that mirrors `template`'s block: a batch norm with identity statistics when
 * the template has one, and `activation` (default: what `identityActivation` allows).
 */
export function identityBlock(opts: {
  id: string;
  input: string;
  kind: 'conv2d' | 'dense';
  width: number;
  kernel: number;
  bias: boolean;
  template: Block;
  /** The activation after it; default `identityActivation(template)`. */
  activation?: ActivationFn | null;
}): IdentityBlock {
  const { id, kind, width, kernel, bias, template } = opts;
  const nodes: GraphNodeInput[] = [];
  const weights: Array<[string, WeightTensor]> = [];
  if (kind === 'conv2d') {
    nodes.push({ id, kind, inputs: [opts.input], filters: width, kernel, stride: 1, padding: 'same', bias });
    weights.push([weightKey(id, 'kernel'), identityConvKernel(kernel, width)]);
  } else {
    nodes.push({ id, kind, inputs: [opts.input], units: width, bias });
    weights.push([weightKey(id, 'kernel'), identityDenseKernel(width)]);
  }
  if (bias) weights.push([weightKey(id, 'bias'), tensorOf([width])]);
  let tail = id;
  const bn = template.members.find((n) => n.kind === 'batchnorm');
  if (bn?.kind === 'batchnorm') {
    const bnId = `${id}.bn`;
    nodes.push({ id: bnId, kind: 'batchnorm', inputs: [tail], epsilon: bn.epsilon, momentum: bn.momentum });
    weights.push(...identityBatchnorm(bnId, width, bn.epsilon));
    tail = bnId;
  }
  const act = opts.activation === undefined ? identityActivation(template) : opts.activation;
  if (act) {
    const actId = `${id}.act`;
    nodes.push({ id: actId, kind: 'activation', inputs: [tail], fn: act });
    if (act === 'prelu') weights.push([weightKey(actId, 'alpha'), tensorOf([width], 1)]);
    tail = actId;
  }
  return { nodes, tail, weights };
}

/**
 * Batch-norm parameters that make it the identity at inference: the moving statistics are the
 * usual fresh ones (mean 0, variance 1) and gamma cancels the epsilon, sqrt(1 + eps).
 */
export function identityBatchnorm(
  id: string,
  channels: number,
  epsilon: number,
): Array<[string, WeightTensor]> {
  return [
    [weightKey(id, 'gamma'), tensorOf([channels], Math.sqrt(1 + epsilon))],
    [weightKey(id, 'beta'), tensorOf([channels])],
    [weightKey(id, 'movingMean'), tensorOf([channels])],
    [weightKey(id, 'movingVariance'), tensorOf([channels], 1)],
  ];
}
