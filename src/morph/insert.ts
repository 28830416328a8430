/**
 * `insert <node> maxpool|avgpool|bn|dropout=<r>`: one layer after a node (after its block —
 * activation included — for pools and dropout; right after the layer, before its activation,
 * for batch norm, where batch norm usually sits). Batch norm with identity statistics and
 * dropout (the identity at inference) preserve the function; pools do not, and neither does
 * the seed's deeper-with-pooling, which reuses `planPoolAfter`.
 */
import { assertNever, Graph, inferShapes, paramEntries, Rng, WeightTensor, Weights } from '../graph';
import { CommandOf } from './command';
import { MorphError } from './errors';
import {
  blockOf,
  channels,
  identityBatchnorm,
  nameOf,
  nodeOf,
  numberedId,
  resolveLayer,
  spliceAfter,
  withWeights,
} from './graph-edit';
import { Moment, withSlots } from './slots';
import { tensorOf } from './tensor';
import { MorphPlan } from './types';

export function planInsert(g: Graph, c: CommandOf<'insert'>, _rng: Rng): MorphPlan {
  const n = resolveLayer(g, c.node);
  const name = nameOf(g, n.id);
  const isLayer = n.kind === 'conv2d' || n.kind === 'dense';
  const anchor = isLayer && c.layer !== 'bn' ? blockOf(g, n.id).tail : n.id;
  if (anchor === g.output) {
    throw new MorphError(
      'output_head',
      `${name} is the network's output; a layer after it would become the output (insert before it instead)`,
      n.id,
    );
  }
  const where = anchor === n.id ? `after ${name}` : `after ${name} (after '${anchor}')`;
  const base = n.id;
  switch (c.layer) {
    case 'bn': {
      const id = numberedId(g, `${base}_bn`);
      const width = channels(inferShapes(g).get(anchor)!);
      const graph = spliceAfter(
        g,
        anchor,
        [{ id, kind: 'batchnorm', inputs: [anchor] }],
        id,
        `a batch norm ${where}`,
      );
      const bn = nodeOf(graph, id);
      const eps = bn.kind === 'batchnorm' ? bn.epsilon : 1e-3;
      return {
        graph,
        preserving: true,
        description: `batch norm '${id}' ${where}, identity statistics`,
        added: [id],
        changed: [],
        weights: (w) => withWeights(w, identityBatchnorm(id, width, eps)),
        slots: (s) => s,
      };
    }
    case 'dropout': {
      const id = numberedId(g, `${base}_drop`);
      const graph = spliceAfter(
        g,
        anchor,
        [{ id, kind: 'dropout', inputs: [anchor], rate: c.rate! }],
        id,
        `a dropout ${where}`,
      );
      return {
        graph,
        preserving: true,
        description: `dropout '${id}' (rate ${c.rate}) ${where}; the identity at inference`,
        added: [id],
        changed: [],
        weights: (w) => w,
        slots: (s) => s,
      };
    }
    case 'maxpool':
    case 'avgpool': {
      const kind = c.layer === 'maxpool' ? 'max' : 'avg';
      const pool = planPoolAfter(g, anchor, kind, numberedId(g, `${base}_pool`), where);
      return { ...pool, preserving: false };
    }
    default:
      return assertNever(c.layer, 'layer');
  }
}

export interface PoolPlan {
  graph: Graph;
  description: string;
  added: string[];
  changed: string[];
  weights(w: Weights): Weights;
  slots(s: Weights, moment: Moment): Weights;
}

/**
 * A 2x2 pool (stride 2, `valid`, as the seed's MaxPooling2D) after `anchor`. Downstream maps
 * shrink; a dense layer behind a flatten keeps working because its rows for the pooled
 * positions are summed (not function-preserving — no pool is — but a sensible start). Any
 * other layer whose parameters would change shape is a refusal.
 */
export function planPoolAfter(
  g: Graph,
  anchor: string,
  kind: 'max' | 'avg',
  id: string,
  where: string,
): PoolPlan {
  const shapes = inferShapes(g);
  const s = shapes.get(anchor)!;
  if (s.length !== 3) {
    throw new MorphError(
      'wrong_kind',
      `a pool needs an image [H, W, C], but the output of '${anchor}' is a vector [${s.join(', ')}]`,
      anchor,
    );
  }
  if (s[0] < 2 || s[1] < 2) {
    throw new MorphError(
      'pool_too_small',
      `a 2x2 pool ${where} would shrink its ${s[0]}x${s[1]} map below 1x1`,
      anchor,
    );
  }
  const graph = spliceAfter(
    g,
    anchor,
    [{ id, kind: kind === 'max' ? 'maxpool2d' : 'avgpool2d', inputs: [anchor], pool: 2, padding: 'valid' }],
    id,
    `a ${kind} pool ${where}`,
  );
  const newShapes = inferShapes(graph);
  const before = new Map(paramEntries(g, shapes).map((p) => [p.key, p.shape]));
  const remaps: Array<{ key: string; from: readonly number[]; to: readonly number[] }> = [];
  for (const p of paramEntries(graph, newShapes)) {
    const old = before.get(p.key);
    if (!old || sameShape(old, p.shape)) continue;
    const n = nodeOf(graph, p.nodeId);
    const flat = n.kind === 'dense' && p.name === 'kernel' ? flattenBehind(graph, n.inputs[0]) : undefined;
    const from = flat && shapes.get(flat);
    const to = flat && newShapes.get(flat);
    if (!from || !to || from.length !== 3 || channels(from) !== channels(to)) {
      throw new MorphError(
        'shape',
        `a ${kind} pool ${where} would change the shape of ${nameOf(graph, p.nodeId)}'s ${p.name} from [${old.join(', ')}] to [${p.shape.join(', ')}]`,
        p.nodeId,
      );
    }
    remaps.push({ key: p.key, from, to });
  }
  const fixed = remaps.map((r) => nameOf(graph, r.key.split('/')[0]));
  return {
    graph,
    description:
      `${kind} pool '${id}' ${where}: ${s[0]}x${s[1]} → ${newShapes.get(id)![0]}x${newShapes.get(id)![1]}` +
      (fixed.length ? `; ${fixed.join(', ')} rows summed over pooled positions` : ''),
    added: [id],
    changed: remaps.map((r) => r.key.split('/')[0]),
    weights: (w) =>
      withWeights(
        w,
        remaps.map((r): [string, WeightTensor] => [r.key, poolRows(w.get(r.key)!, r.from, r.to)]),
      ),
    // Summed like the rows, either moment: the variances of independent gradients add.
    slots: (s) =>
      withSlots(
        s,
        remaps.flatMap((r): Array<[string, WeightTensor]> => {
          const t = s.get(r.key);
          return t ? [[r.key, poolRows(t, r.from, r.to)]] : [];
        }),
      ),
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The flatten a dense input comes from, through shape-agnostic dropouts only. */
function flattenBehind(g: Graph, id: string): string | undefined {
  let n = nodeOf(g, id);
  while (n.kind === 'dropout') n = nodeOf(g, n.inputs[0]);
  return n.kind === 'flatten' ? n.inputs[0] : undefined;
}

/** Dense rows for an [H, W, C] flatten resampled to [H2, W2, C]: rows of merged positions add up. */
function poolRows(t: WeightTensor, from: readonly number[], to: readonly number[]): WeightTensor {
  const [h, w, c] = from;
  const [h2, w2] = to;
  const units = t.shape[1];
  const out = tensorOf([h2 * w2 * c, units]);
  for (let y = 0; y < h; y++) {
    const y2 = Math.min(h2 - 1, Math.floor((y * h2) / h));
    for (let x = 0; x < w; x++) {
      const x2 = Math.min(w2 - 1, Math.floor((x * w2) / w));
      for (let ch = 0; ch < c; ch++) {
        const src = ((y * w + x) * c + ch) * units;
        const dst = ((y2 * w2 + x2) * c + ch) * units;
        for (let u = 0; u < units; u++) out.data[dst + u] += t.data[src + u];
      }
    }
  }
  return out;
}
