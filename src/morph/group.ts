/**
 * `group <conv> <g> [kernel=k]`: the seed's add_group — a grouped convolution after the
 * node's block, built from IR primitives: g channel slices, one identity-initialised conv
 * tower each (with the block's batch norm and activation, as `deeper` does), concatenated
 * back in order. Filters split as in the seed: C / g each, the last tower takes the rest.
 */
import { Graph, GraphNodeInput, Rng, WeightTensor } from '../graph';
import { CommandOf } from './command';
import { MorphError } from './errors';
import {
  blockOf,
  identityBlock,
  isHead,
  nameOf,
  numberedId,
  resolveLayer,
  spliceAfter,
  withWeights,
} from './graph-edit';
import { MorphPlan } from './types';

/** Tower widths: floor(C / g) each, the remainder to the last (the seed's split). */
export function groupSizes(channels: number, groups: number): number[] {
  const each = Math.floor(channels / groups);
  return Array.from({ length: groups }, (_, i) => (i === groups - 1 ? channels - each * (groups - 1) : each));
}

export function planGroup(g: Graph, c: CommandOf<'group'>, _rng: Rng): MorphPlan {
  const n = resolveLayer(g, c.node);
  const name = nameOf(g, n.id);
  if (n.kind !== 'conv2d') {
    throw new MorphError('wrong_kind', `${name} is a ${n.kind}; group applies to conv2d layers`, n.id);
  }
  const block = blockOf(g, n.id);
  if (isHead(g, block.tail)) {
    throw new MorphError(
      'output_head',
      `${name} is the output head; a grouped block after it would change what the network outputs`,
      n.id,
    );
  }
  if (n.filters < c.groups) {
    throw new MorphError(
      'too_few_channels',
      `${name} has ${n.filters} filter(s), too few to split into ${c.groups} groups`,
      n.id,
    );
  }
  const base = numberedId(g, `${n.id}_grp`);
  const nodes: GraphNodeInput[] = [];
  const weights: Array<[string, WeightTensor]> = [];
  const tails: string[] = [];
  let begin = 0;
  groupSizes(n.filters, c.groups).forEach((width, i) => {
    const slice = `${base}.s${i + 1}`;
    nodes.push({ id: slice, kind: 'slice', inputs: [block.tail], begin, size: width });
    const tower = identityBlock({
      id: `${base}.t${i + 1}`,
      input: slice,
      kind: 'conv2d',
      width,
      kernel: c.kernel,
      bias: n.bias,
      template: block,
    });
    nodes.push(...tower.nodes);
    weights.push(...tower.weights);
    tails.push(tower.tail);
    begin += width;
  });
  nodes.push({ id: base, kind: 'concat', inputs: tails });
  const graph = spliceAfter(g, block.tail, nodes, base, `a grouped block after ${name}`);
  return {
    graph,
    preserving: true,
    description: `grouped block '${base}' after ${name}: ${c.groups} identity ${c.kernel}x${c.kernel} towers of ${groupSizes(n.filters, c.groups).join('+')} filters`,
    added: nodes.map((x) => x.id),
    changed: [],
    weights: (w) => withWeights(w, weights),
    slots: (s) => s,
  };
}
