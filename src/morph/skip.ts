/**
 * `skip <from> <to>`: a residual connection, `to`'s block output + projection(`from`'s block
 * output), the seed's add_skip made exact. The projection is always a zero-initialised 1x1
 * conv (or dense for vectors), so the sum starts as `to` alone and the new path learns from
 * there; when the maps differ in size a max pool shrinks `from`'s map first (the seed's way),
 * and an image feeding a vector goes through a global average pool.
 */
import { ancestors, Graph, GraphNodeInput, inferShapes, Rng, Shape, weightKey } from '../graph';
import { CommandOf } from './command';
import { MorphError } from './errors';
import { blockOf, isHead, nameOf, numberedId, resolveLayer, spliceAfter, withWeights } from './graph-edit';
import { tensorOf } from './tensor';
import { MorphPlan } from './types';

function tailOf(g: Graph, id: string): string {
  const n = g.nodes.find((x) => x.id === id)!;
  return n.kind === 'conv2d' || n.kind === 'dense' ? blockOf(g, id).tail : id;
}

const windowOut = (size: number, pool: number, stride: number, padding: 'same' | 'valid'): number =>
  padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - pool) / stride) + 1;

/** A square pool taking an [H1, W1] map to [H2, W2]: stride = window when it fits, else the seed's. */
function poolBetween(
  from: Shape,
  to: Shape,
): { pool: number; stride: number; padding: 'same' | 'valid' } | null {
  for (let s = 2; s <= Math.max(from[0], from[1]); s++) {
    for (const padding of ['valid', 'same'] as const) {
      if (windowOut(from[0], s, s, padding) === to[0] && windowOut(from[1], s, s, padding) === to[1]) {
        return { pool: s, stride: s, padding };
      }
    }
  }
  // The seed's fallback: a (diff + 1) window at stride 1.
  const dh = from[0] - to[0];
  return dh === from[1] - to[1] ? { pool: dh + 1, stride: 1, padding: 'valid' } : null;
}

export function planSkip(g: Graph, c: CommandOf<'skip'>, _rng: Rng): MorphPlan {
  const from = resolveLayer(g, c.from);
  const to = resolveLayer(g, c.to);
  const fromName = nameOf(g, from.id);
  const toName = nameOf(g, to.id);
  const fromTail = tailOf(g, from.id);
  const toTail = tailOf(g, to.id);
  if (from.id === to.id || fromTail === toTail) {
    throw new MorphError(
      'same_node',
      `skip from ${fromName} into itself; name two different layers`,
      from.id,
    );
  }
  if (isHead(g, toTail)) {
    throw new MorphError(
      'output_head',
      `${toName} is the output head; a residual into it would change what the network outputs`,
      to.id,
    );
  }
  if (ancestors(g.nodes, fromTail).has(toTail)) {
    throw new MorphError(
      'order',
      `${fromName} comes after ${toName}; skip adds an earlier layer into a later one (skip ${c.to} ${c.from}?)`,
      from.id,
    );
  }
  const shapes = inferShapes(g);
  const sf = shapes.get(fromTail)!;
  const st = shapes.get(toTail)!;
  const base = numberedId(g, `${to.id}_skip`);
  const nodes: GraphNodeInput[] = [];
  let x = fromTail;
  let via = '';
  if (st.length === 3) {
    if (sf.length !== 3) {
      throw new MorphError(
        'shape',
        `${fromName} outputs a vector [${sf.join(', ')}], which cannot be added into ${toName}'s image [${st.join(', ')}]`,
        from.id,
      );
    }
    if (sf[0] < st[0] || sf[1] < st[1]) {
      throw new MorphError(
        'shape',
        `${fromName}'s ${sf[0]}x${sf[1]} map is smaller than ${toName}'s ${st[0]}x${st[1]}; nothing upsamples it`,
        from.id,
      );
    }
    if (sf[0] !== st[0] || sf[1] !== st[1]) {
      const p = poolBetween(sf, st);
      if (!p) {
        throw new MorphError(
          'shape',
          `no square pool takes ${fromName}'s ${sf[0]}x${sf[1]} map to ${toName}'s ${st[0]}x${st[1]}`,
          from.id,
        );
      }
      nodes.push({ id: `${base}.pool`, kind: 'maxpool2d', inputs: [x], ...p });
      x = `${base}.pool`;
      via = ` after a ${p.pool}x${p.pool} max pool`;
    }
    nodes.push({
      id: `${base}.proj`,
      kind: 'conv2d',
      inputs: [x],
      filters: st[2],
      kernel: 1,
      padding: 'same',
    });
  } else {
    if (sf.length === 3) {
      nodes.push({ id: `${base}.gap`, kind: 'globalavgpool', inputs: [x] });
      x = `${base}.gap`;
      via = ' after a global average pool';
    }
    nodes.push({ id: `${base}.proj`, kind: 'dense', inputs: [x], units: st[0] });
  }
  nodes.push({ id: base, kind: 'add', inputs: [toTail, `${base}.proj`] });
  const graph = spliceAfter(g, toTail, nodes, base, `a skip from ${fromName} into ${toName}`);
  const cin = sf[sf.length - 1];
  const cout = st[st.length - 1];
  const kernelShape = st.length === 3 ? [1, 1, cin, cout] : [sf.length === 3 ? sf[2] : sf[0], cout];
  return {
    graph,
    preserving: true,
    description: `skip from ${fromName} into ${toName}: add '${base}' with a zero-initialised ${st.length === 3 ? '1x1 conv' : 'dense'} projection (${cin} → ${cout})${via}`,
    added: nodes.map((n) => n.id),
    changed: [],
    weights: (w) =>
      withWeights(w, [
        [weightKey(`${base}.proj`, 'kernel'), tensorOf(kernelShape)],
        [weightKey(`${base}.proj`, 'bias'), tensorOf([cout])],
      ]),
    slots: (s) => s,
  };
}
