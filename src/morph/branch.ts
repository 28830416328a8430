/**
 * `branch <conv> [width=n]`: an inception-style module (Szegedy et al. 2015) grown around an
 * existing conv — 1x1, 3x3 and 5x5 conv towers and a 3x3 max pool + 1x1 conv tower read the
 * conv's input beside it, and their outputs are concatenated after the conv's block. The
 * towers start random (so they carry signal to learn from) and every layer downstream reads
 * them with zero weights, so the function is unchanged.
 */
import { Graph, GraphNodeInput, inferShapes, Rng, WeightTensor, weightKey } from '../graph';
import { channelWeights, propagateChannels } from './channels';
import { CommandOf } from './command';
import { MorphError } from './errors';
import { blockOf, isHead, nameOf, numberedId, resolveLayer, spliceAfter, withWeights } from './graph-edit';
import { withSlots } from './slots';
import { FRESH, glorotKernel, tensorOf } from './tensor';
import { MorphPlan } from './types';

export function planBranch(g: Graph, c: CommandOf<'branch'>, rng: Rng): MorphPlan {
  const n = resolveLayer(g, c.node);
  const name = nameOf(g, n.id);
  if (n.kind !== 'conv2d') {
    throw new MorphError('wrong_kind', `${name} is a ${n.kind}; branch applies to conv2d layers`, n.id);
  }
  const block = blockOf(g, n.id);
  if (isHead(g, block.tail)) {
    throw new MorphError(
      'output_head',
      `${name} is the output head; towers beside it would change what the network outputs`,
      n.id,
    );
  }
  const shapes = inferShapes(g);
  const x = shapes.get(n.inputs[0])!;
  const y = shapes.get(block.tail)!;
  const towerMap = [Math.ceil(x[0] / n.stride), Math.ceil(x[1] / n.stride)];
  if (towerMap[0] !== y[0] || towerMap[1] !== y[1]) {
    throw new MorphError(
      'shape',
      `${name} has padding 'valid' and maps ${x[0]}x${x[1]} to ${y[0]}x${y[1]}; 'same'-padded towers beside it would give ${towerMap[0]}x${towerMap[1]}`,
      n.id,
    );
  }
  const width = c.width ?? Math.max(1, Math.ceil(n.filters / 4));
  const base = numberedId(g, `${n.id}_br`);
  const nodes: GraphNodeInput[] = [];
  const convs: Array<{ id: string; kernel: number; cin: number }> = [];
  const tails: string[] = [];
  const tower = (suffix: string, kernel: number, input: string, cin: number) => {
    const id = `${base}.${suffix}`;
    nodes.push(
      { id, kind: 'conv2d', inputs: [input], filters: width, kernel, stride: n.stride, padding: 'same' },
      { id: `${id}.act`, kind: 'activation', inputs: [id], fn: 'relu' },
    );
    convs.push({ id, kernel, cin });
    tails.push(`${id}.act`);
  };
  tower('c1', 1, n.inputs[0], x[2]);
  tower('c3', 3, n.inputs[0], x[2]);
  tower('c5', 5, n.inputs[0], x[2]);
  nodes.push({
    id: `${base}.pool`,
    kind: 'maxpool2d',
    inputs: [n.inputs[0]],
    pool: 3,
    stride: 1,
    padding: 'same',
  });
  tower('cp', 1, `${base}.pool`, x[2]);
  nodes.push({ id: base, kind: 'concat', inputs: [block.tail, ...tails] });

  const old = y[2];
  const layout = Int32Array.from({ length: old + 4 * width }, (_, j) => (j < old ? j : FRESH));
  const plan = propagateChannels(g, new Map([[block.tail, layout]]), `the new towers of '${base}'`);
  const moved = { ...g, nodes: g.nodes.map((m) => ({ ...m, ...plan.slices.get(m.id) })) } as Graph;
  const graph = spliceAfter(moved, block.tail, nodes, base, `an inception branch beside ${name}`);
  const towerRng = rng.fork('branch-towers').state();
  const consumers = [...plan.inMaps.keys()];
  return {
    graph,
    preserving: true,
    description:
      `inception branch '${base}' beside ${name}: 1x1, 3x3, 5x5 and pool towers of ${width} filters, ` +
      `${old} → ${old + 4 * width} channels` +
      (consumers.length
        ? `; ${consumers.map((id) => nameOf(g, id)).join(', ')} read them with zero weights`
        : ''),
    added: nodes.map((m) => m.id),
    changed: [...consumers, ...plan.slices.keys()],
    weights: (w) => {
      const r = Rng.fromState(towerRng);
      const fresh: Array<[string, WeightTensor]> = convs.flatMap(({ id, kernel, cin }) => [
        [weightKey(id, 'kernel'), glorotKernel([kernel, kernel, cin, width], r)],
        [weightKey(id, 'bias'), tensorOf([width])],
      ]);
      const fixed = channelWeights(g, plan, w, { producers: new Map(), replicas: 'split', noise: 0, rng: r });
      return withWeights(w, [...fresh, ...fixed]);
    },
    // The towers' slots are zero (absent); consumers get zero rows for the towers' channels.
    slots: (s, moment) =>
      withSlots(
        s,
        channelWeights(g, plan, s, {
          producers: new Map(),
          replicas: 'split',
          noise: 0,
          rng: Rng.fromState(towerRng),
          slot: moment,
        }),
      ),
  };
}
