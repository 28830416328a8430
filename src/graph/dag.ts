/**
 * DAG helpers over a node list. Order matters in netgrow: positional names (`conv3`) are
 * read off the topological order, so the order is deterministic — among ready nodes the one
 * that comes first in the array goes first (the seed's `reorder_model`, made exact).
 */
import { GraphError } from './errors';

interface DagNode {
  id: string;
  inputs: readonly string[];
}

/** Nodes in topological order, ties broken by array position. Throws on a cycle. */
export function topoOrder<N extends DagNode>(nodes: readonly N[]): N[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const done = new Set<string>();
  const out: N[] = [];
  const pending = [...nodes];
  while (pending.length > 0) {
    const i = pending.findIndex((n) => n.inputs.every((p) => done.has(p) || !byId.has(p)));
    if (i < 0)
      throw new GraphError('cycle', `the graph has a cycle: ${describeCycle(pending)}`, pending[0].id);
    const [n] = pending.splice(i, 1);
    done.add(n.id);
    out.push(n);
  }
  return out;
}

function describeCycle(nodes: readonly DagNode[]): string {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const path: string[] = [];
  let cur: DagNode | undefined = nodes[0];
  while (cur && !path.includes(cur.id)) {
    path.push(cur.id);
    cur = cur.inputs.map((p) => byId.get(p)).find((p) => p !== undefined);
  }
  if (cur) path.push(cur.id);
  return path
    .slice(path.indexOf(path[path.length - 1]))
    .reverse()
    .map((id) => `'${id}'`)
    .join(' → ');
}

/** id → ids of the nodes that read it, in array order. */
export function consumersMap(nodes: readonly DagNode[]): Map<string, string[]> {
  const m = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const n of nodes) for (const p of n.inputs) m.get(p)?.push(n.id);
  return m;
}

export function consumers(nodes: readonly DagNode[], id: string): string[] {
  return nodes.filter((n) => n.inputs.includes(id)).map((n) => n.id);
}

/** Ids of every node the given one depends on (transitively), itself excluded. */
export function ancestors(nodes: readonly DagNode[], id: string): Set<string> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.inputs ?? [])];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    if (seen.has(cur)) continue;
    seen.add(cur);
    stack.push(...(byId.get(cur)?.inputs ?? []));
  }
  return seen;
}
