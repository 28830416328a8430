/**
 * Positional names, the seed's command vocabulary: `convK` is the K-th conv2d and `fcK` the
 * K-th dense node in canonical topological order, recomputed after every command — so
 * `deeper conv2; deeper conv3` deepens the layer the first command inserted. Stable ids are
 * what lineage and weights use; positional names are only a view.
 */
import { GraphError } from './errors';
import { Graph } from './graph';
import { GraphNode } from './node';

const POSITIONAL = /^(conv|fc)([1-9][0-9]*)$/;

export function positionalNames(g: Graph): Map<string, string> {
  const names = new Map<string, string>();
  let conv = 0;
  let fc = 0;
  for (const n of g.nodes) {
    if (n.kind === 'conv2d') names.set(n.id, `conv${++conv}`);
    else if (n.kind === 'dense') names.set(n.id, `fc${++fc}`);
  }
  return names;
}

/**
 * Resolves `conv3`, `fc1` (positional) or `@id` / a bare stable id to a node. Positional
 * names win over ids that look the same, as the seed's plans expect.
 */
export function resolveNode(g: Graph, ref: string): GraphNode {
  const m = POSITIONAL.exec(ref);
  if (m) {
    const kind = m[1] === 'conv' ? 'conv2d' : 'dense';
    const k = Number(m[2]);
    const matches = g.nodes.filter((n) => n.kind === kind);
    if (k <= matches.length) return matches[k - 1];
    throw new GraphError(
      'dangling_input',
      `no layer '${ref}': the network has ${matches.length} ${kind} layer(s) (${m[1]}1..${m[1]}${matches.length})`,
    );
  }
  const id = ref.startsWith('@') ? ref.slice(1) : ref;
  const n = g.nodes.find((x) => x.id === id);
  if (!n) {
    const known = [...positionalNames(g).values()].join(', ');
    throw new GraphError(
      'dangling_input',
      `no layer '${ref}'; layers are ${known} (or @<id> for a stable id)`,
    );
  }
  return n;
}
