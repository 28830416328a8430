/**
 * `wider <node> <width>|x<ratio> [init=net2wider|random-pad] [noise=σ]`: Net2WiderNet
 * (Chen et al. 2016, §2.2) on a conv2d or dense layer. `net2wider` copies randomly chosen
 * output channels and splits each copied channel's outgoing weights among its replicas, so
 * the function is unchanged; `random-pad` (the paper's baseline) adds random channels and is
 * not preserving. Every consumer kind is fixed up by the channel maps of channels.ts.
 *
 * Layers whose outputs meet in an `add` must widen together: the command widens all of them
 * with one replication (e.g. a residual block's conv and the conv its shortcut comes from).
 * When channel slices (grouped towers) read the layer, each new channel is placed inside the
 * slice range of the channel it copies, so every tower keeps a contiguous range and grows.
 */
import { consumersMap, Graph, GraphNode, inferShapes, paramEntries, Rng, size } from '../graph';
import { CommandOf } from './command';
import { channelWeights, propagateChannels } from './channels';
import { MorphError } from './errors';
import { nameOf, nodeOf, reparse, resolveLayer, withWeights } from './graph-edit';
import { withSlots } from './slots';
import { MAX_TENSOR_ELEMENTS, MorphPlan } from './types';

/** Nodes that keep a tensor's channel layout as it is (so an add after them ties layers). */
function keepsLayout(n: GraphNode): boolean {
  switch (n.kind) {
    case 'batchnorm':
    case 'dropout':
    case 'maxpool2d':
    case 'avgpool2d':
    case 'globalmaxpool':
    case 'globalavgpool':
    case 'add':
      return true;
    case 'activation':
      return n.fn !== 'softmax';
    default:
      return false;
  }
}

const widthOf = (n: GraphNode): number =>
  n.kind === 'conv2d' ? n.filters : n.kind === 'dense' ? n.units : 0;

/**
 * The layers that must widen with `start`: closes over adds whose operands trace back (through
 * layout-keeping nodes) to other conv2d/dense layers. Returns them and the tensors that carry
 * the shared layout.
 */
function tiedLayers(g: Graph, start: GraphNode, who: string): { layers: string[]; carriers: Set<string> } {
  const consumers = consumersMap(g.nodes);
  const layers = [start.id];
  for (;;) {
    const carriers = new Set(layers);
    const stack = [...layers];
    while (stack.length) {
      for (const c of consumers.get(stack.pop()!)!) {
        if (!carriers.has(c) && keepsLayout(nodeOf(g, c))) {
          carriers.add(c);
          stack.push(c);
        }
      }
    }
    const found = new Set<string>();
    const back = (id: string, add: string): void => {
      if (carriers.has(id) || found.has(id)) return;
      const n = nodeOf(g, id);
      if (n.kind === 'conv2d' || n.kind === 'dense') found.add(id);
      else if (keepsLayout(n)) n.inputs.forEach((p) => back(p, add));
      else {
        throw new MorphError(
          'add_mismatch',
          `${who} meet ${nameOf(g, id)} in add '${add}', which cannot widen with them; both operands of an add must widen together`,
          add,
        );
      }
    };
    for (const id of carriers) {
      const n = nodeOf(g, id);
      if (n.kind === 'add') n.inputs.forEach((p) => back(p, id));
    }
    if (found.size === 0) return { layers, carriers };
    layers.push(...found);
  }
}

export function planWider(g: Graph, c: CommandOf<'wider'>, rng: Rng): MorphPlan {
  const n = resolveLayer(g, c.node);
  const name = nameOf(g, n.id);
  if (n.kind !== 'conv2d' && n.kind !== 'dense') {
    throw new MorphError(
      'wrong_kind',
      `${name} is a ${n.kind}; wider applies to conv2d and dense layers`,
      n.id,
    );
  }
  const old = widthOf(n);
  const target = c.width ?? Math.round(old * c.ratio!);
  const unit = n.kind === 'conv2d' ? 'filters' : 'units';
  if (target <= old) {
    throw new MorphError(
      'width_not_larger',
      `${name} has ${old} ${unit}; the new width must be larger, received ${c.width ?? `x${c.ratio} = ${target}`}`,
      n.id,
    );
  }
  checkWidth(g, n, name, target);
  const who = `${name}'s widened channels`;
  const { layers, carriers } = tiedLayers(g, n, who);
  const layout = replicationLayout(g, carriers, old, target, rng);
  const seeds = new Map(layers.map((id) => [id, layout]));
  const plan = propagateChannels(g, seeds, who);
  const tied = new Set(layers);
  const nodes = g.nodes.map((m) => {
    if (tied.has(m.id)) return m.kind === 'conv2d' ? { ...m, filters: target } : { ...m, units: target };
    const s = plan.slices.get(m.id);
    return s ? { ...m, ...s } : m;
  });
  const graph = reparse(g, nodes, g.output, `widening ${name}`);
  const consumers = [...plan.inMaps.keys()].filter((id) => !tied.has(id));
  const others = layers.slice(1).map((id) => nameOf(g, id));
  const weightNoise = c.init === 'net2wider' ? c.noise : 0;
  // Drawn now, replayed by weights(): the same plan always gives the same weights.
  const weightRng = rng.fork('wider-weights').state();
  return {
    graph,
    preserving: c.init === 'net2wider',
    description:
      `${name}: ${old} → ${target} ${unit} (${c.init}${c.init === 'net2wider' ? `, noise ${c.noise}` : ''})` +
      (others.length ? `, widened with ${others.join(', ')} (they meet in an add)` : '') +
      (consumers.length ? `; fixed up ${consumers.map((id) => nameOf(g, id)).join(', ')}` : ''),
    added: [],
    changed: [...layers, ...consumers, ...plan.slices.keys()],
    weights: (w) =>
      withWeights(
        w,
        channelWeights(g, plan, w, {
          producers: seeds,
          noise: weightNoise,
          rng: Rng.fromState(weightRng),
          replicas: c.init === 'net2wider' ? 'split' : 'random',
        }),
      ),
    slots: (s, moment) =>
      withSlots(
        s,
        channelWeights(g, plan, s, {
          producers: seeds,
          noise: 0,
          rng: Rng.fromState(weightRng),
          replicas: c.init === 'net2wider' ? 'split' : 'random',
          slot: moment,
        }),
      ),
  };
}

/** The widest layer a command may make: its consumers' kernels grow with it too. */
export const MAX_WIDTH = 2 ** 16;

/**
 * Refuses a width whose own kernel would pass the limit before anything of that width is
 * allocated (the channel layout alone grows with it); checkSize later sees every tensor.
 */
function checkWidth(g: Graph, n: GraphNode, name: string, target: number): void {
  const kernel = paramEntries(g).find((p) => p.nodeId === n.id && p.name === 'kernel');
  const fanIn = kernel ? size(kernel.shape) / widthOf(n) : 1;
  if (!Number.isSafeInteger(target) || target > MAX_WIDTH || fanIn * target > MAX_TENSOR_ELEMENTS) {
    throw new MorphError(
      'too_large',
      `${name} at width ${target.toLocaleString('en-US')} is over the limit of ${MAX_WIDTH.toLocaleString('en-US')} ${n.kind === 'conv2d' ? 'filters' : 'units'} or ${MAX_TENSOR_ELEMENTS.toLocaleString('en-US')} weights (1 GiB) a tensor; use a smaller width`,
      n.id,
    );
  }
}

/**
 * The widened layers' output layout: new channel → the old channel it copies, a uniformly
 * random one as in the seed (random-pad later replaces the copies' weights; the layout still
 * decides which slice segment a new channel joins). Old channels keep their order;
 * each new channel is placed right after the slice segment its source lies in, so channel
 * slices downstream (also behind concats) stay contiguous.
 */
function replicationLayout(
  g: Graph,
  carriers: Set<string>,
  old: number,
  target: number,
  rng: Rng,
): Int32Array {
  const cuts = sliceCuts(g, carriers, old);
  const bounds = [...cuts].sort((a, b) => a - b);
  const extras: number[][] = bounds.slice(1).map(() => []);
  for (let r = old; r < target; r++) {
    const src = rng.int(old);
    const seg = bounds.findIndex((b, i) => src >= b && src < bounds[i + 1]);
    extras[seg].push(src);
  }
  const layout: number[] = [];
  for (let s = 0; s + 1 < bounds.length; s++) {
    for (let ch = bounds[s]; ch < bounds[s + 1]; ch++) layout.push(ch);
    for (const src of extras[s]) layout.push(src); // no spread: it overflows the stack on huge widths
  }
  return Int32Array.from(layout);
}

/**
 * Where slices downstream cut the widened layers' channels (in their own channel numbering),
 * following the channels through layout-keeping nodes, concats (at an offset) and slices.
 */
function sliceCuts(g: Graph, carriers: Set<string>, old: number): Set<number> {
  const shapes = inferShapes(g);
  const width = (id: string) => shapes.get(id)![shapes.get(id)!.length - 1];
  // Per tensor: the channel offsets at which it holds the widened channels.
  const at = new Map<string, number[]>();
  for (const id of carriers) at.set(id, [0]);
  const cuts = new Set([0, old]);
  for (const n of g.nodes) {
    if (carriers.has(n.id)) continue;
    let offsets: number[] = [];
    if (n.kind === 'concat') {
      let base = 0;
      for (const p of n.inputs) {
        offsets.push(...(at.get(p) ?? []).map((o) => o + base));
        base += width(p);
      }
    } else if (n.kind === 'slice') {
      for (const o of at.get(n.inputs[0]) ?? []) {
        for (const cut of [n.begin - o, n.begin + n.size - o]) if (cut > 0 && cut < old) cuts.add(cut);
        offsets.push(o - n.begin);
      }
    } else if (keepsLayout(n)) {
      offsets = n.inputs.flatMap((p) => at.get(p) ?? []);
    }
    if (offsets.length) at.set(n.id, [...new Set(offsets)]);
  }
  return cuts;
}
