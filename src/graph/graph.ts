/**
 * The architecture IR (`graph.json`, format `netgrow.graph/v1`): a DAG of named nodes with
 * one input and one output. `parseGraph` is the only way in: it validates the schema, ids,
 * edges, acyclicity, reachability and every shape, and returns the nodes in canonical
 * (topological) order. Its errors are one line that names the node.
 */
import { z } from 'zod';
import { consumersMap, topoOrder, ancestors } from './dag';
import { GraphError } from './errors';
import { arity, GraphNode, GraphNodeInput } from './node';
import { inferShapes } from './shapes';

export const GRAPH_FORMAT = 'netgrow.graph/v1';

export const GraphSchema = z.strictObject({
  format: z.literal(GRAPH_FORMAT),
  name: z.string().min(1).default('net'),
  nodes: z.array(GraphNode).min(2),
  output: z.string(),
});
export type Graph = z.infer<typeof GraphSchema>;
export interface GraphInput {
  format?: typeof GRAPH_FORMAT;
  name?: string;
  nodes: GraphNodeInput[];
  output: string;
}

/** Validates anything (parsed JSON, a builder's literal) into a canonical Graph. */
export function parseGraph(raw: unknown): Graph {
  const withFormat =
    raw && typeof raw === 'object' && !('format' in raw) ? { format: GRAPH_FORMAT, ...raw } : raw;
  const r = GraphSchema.safeParse(withFormat);
  if (!r.success) throw new GraphError('schema', describeSchemaIssue(r.error, withFormat));
  return checkGraph(r.data);
}

export function parseGraphJson(text: string, source = 'graph.json'): Graph {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GraphError('json', `${source} is not valid JSON: ${(e as Error).message}`);
  }
  return parseGraph(raw);
}

export function graphToJson(g: Graph): string {
  return JSON.stringify(g, null, 2) + '\n';
}

/** Structural checks on schema-valid data; returns the graph in canonical node order. */
function checkGraph(g: Graph): Graph {
  const ids = new Set<string>();
  for (const n of g.nodes) {
    if (ids.has(n.id))
      throw new GraphError('duplicate_id', `two nodes are named '${n.id}'; ids must be unique`, n.id);
    ids.add(n.id);
  }
  for (const n of g.nodes) {
    for (const p of n.inputs) {
      if (!ids.has(p)) {
        throw new GraphError(
          'dangling_input',
          `${n.kind} '${n.id}' reads '${p}', which is not a node of the graph`,
          n.id,
        );
      }
    }
    const [lo, hi] = arity(n.kind);
    if (n.inputs.length < lo || n.inputs.length > hi) {
      const want = lo === hi ? `${lo}` : hi === Infinity ? `at least ${lo}` : `${lo} to ${hi}`;
      throw new GraphError(
        'schema',
        `${n.kind} '${n.id}' takes ${want} input(s), received ${n.inputs.length}`,
        n.id,
      );
    }
  }
  const inputs = g.nodes.filter((n) => n.kind === 'input');
  if (inputs.length !== 1) {
    throw new GraphError('no_input', `a graph has exactly one input node, found ${inputs.length}`);
  }
  if (!ids.has(g.output))
    throw new GraphError('bad_output', `the output '${g.output}' is not a node of the graph`);
  const nodes = topoOrder(g.nodes);
  const live = ancestors(nodes, g.output).add(g.output);
  const dead = nodes.find((n) => !live.has(n.id));
  if (dead) {
    throw new GraphError(
      'unreachable',
      `${dead.kind} '${dead.id}' does not lead to the output '${g.output}'`,
      dead.id,
    );
  }
  const canonical = { ...g, nodes };
  inferShapes(canonical);
  return canonical;
}

/** One line for the first zod issue, naming the node by kind and id when the path is inside one. */
function describeSchemaIssue(err: z.ZodError, raw: unknown): string {
  const issue = err.issues[0];
  const path = issue.path;
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problem(s))` : '';
  if (path[0] === 'nodes' && typeof path[1] === 'number') {
    const node = (raw as { nodes?: unknown[] }).nodes?.[path[1]] as
      { id?: unknown; kind?: unknown } | undefined;
    const who =
      typeof node?.id === 'string' ? `${String(node.kind ?? 'node')} '${node.id}'` : `node #${path[1] + 1}`;
    const field = path.slice(2).join('.');
    if (issue.code === 'unrecognized_keys') {
      return `${who}: unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(', ')}${more}`;
    }
    if (field === '' || field === 'kind') {
      return `${who}: ${issue.message}${field === 'kind' ? ` (received kind ${JSON.stringify(node?.kind)})` : ''}${more}`;
    }
    return `${who}: \`${field}\` ${issue.message}${received(node, path.slice(2))}${more}`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `graph: unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(', ')}${more}`;
  }
  return `graph: \`${path.join('.') || '(root)'}\` ${issue.message}${more}`;
}

function received(node: unknown, path: PropertyKey[]): string {
  let v: unknown = node;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v === undefined ? '' : `, received ${JSON.stringify(v)}`;
}

export function inputNode(g: Graph): Extract<GraphNode, { kind: 'input' }> {
  return g.nodes.find((n) => n.kind === 'input') as Extract<GraphNode, { kind: 'input' }>;
}

export { consumersMap };
