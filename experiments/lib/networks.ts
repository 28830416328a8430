/**
 * The networks the drivers compare: builtins scaled in width (so a scaled-down experiment
 * keeps the builtin's shape at a fraction of its cost), students grown by commands from a
 * trained checkpoint, and fresh-weight copies of an architecture (graph.json: the trainer
 * draws new weights from the run's seed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtin, countParams, Graph, graphToJson, parseGraph, Rng, Weights } from '../../src/graph';
import { writeCheckpoint } from '../../src/model/checkpoint';
import { resolveNetwork } from '../../src/model/resolve';
import { AppliedCommands, applyCommands } from '../../src/morph';
import { FileStore, formatUri, openStore, parseUri } from '../../src/storage';

export interface DataShape {
  inputShape: number[];
  numClasses: number;
}

/**
 * A builtin with every conv's filters and every hidden dense layer's units multiplied by
 * `width` (at least 1); the output layer (dense or conv) keeps one unit per class.
 */
export function scaledBuiltin(name: string, data: DataShape, width: number): Graph {
  const g = builtin(name, data);
  if (width === 1) return g;
  const output = outputLayer(g);
  const nodes = g.nodes.map((n) => {
    if (n.id === output) return n;
    if (n.kind === 'conv2d') return { ...n, filters: Math.max(1, Math.round(n.filters * width)) };
    if (n.kind === 'dense') return { ...n, units: Math.max(1, Math.round(n.units * width)) };
    return n;
  });
  return parseGraph({ ...g, name: `${g.name}-w${width}`, nodes });
}

/** The layer that makes the class scores: the last dense or conv (seed-ga ends in a conv). */
function outputLayer(g: Graph): string | undefined {
  return g.nodes.filter((n) => n.kind === 'dense' || n.kind === 'conv2d').at(-1)?.id;
}

/** Writes `graph.json` into `dir`; the URI trains the architecture from fresh weights. */
export function writeGraphFile(dir: string, graph: Graph): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'graph.json');
  writeFileSync(file, graphToJson(graph));
  return formatUri(parseUri(file));
}

export interface Network {
  graph: Graph;
  weights: Weights;
}

export async function loadNetwork(uri: string): Promise<Network> {
  const net = await resolveNetwork(uri, { open: openStore, seed: 0 });
  return { graph: net.graph, weights: net.weights };
}

/** Applies `commands` to a trained network (seeded) and writes the child checkpoint to `dir`. */
export async function growCheckpoint(
  parentUri: string,
  commands: string,
  seed: number,
  dir: string,
): Promise<{ uri: string; applied: AppliedCommands }> {
  const parent = await loadNetwork(parentUri);
  const applied = applyCommands(parent.graph, parent.weights, commands, new Rng(seed).fork('morph'));
  await writeCheckpoint(new FileStore(dir), '', applied.graph, applied.weights, {
    parent: parentUri,
    operation: commands,
  });
  return { uri: formatUri(parseUri(dir)), applied };
}

/**
 * The architecture without its names: each node's kind and sizes in canonical order, inputs
 * as positions. Two networks with equal signatures are the same architecture.
 */
export function architectureSignature(g: Graph): string {
  const index = new Map(g.nodes.map((n, i) => [n.id, i]));
  return JSON.stringify(
    g.nodes.map((n) => {
      const rest: Record<string, unknown> = { ...n };
      delete rest.id;
      return { ...rest, inputs: n.inputs.map((i) => index.get(i)) };
    }),
  );
}

/** `conv 16-16 · fc 32-10 · 2 skip`: the widths in order and the joins, for tables. */
export function describeArchitecture(g: Graph): string {
  const count = (kind: string) => g.nodes.filter((n) => n.kind === kind).length;
  const convs = g.nodes.filter((n) => n.kind === 'conv2d').map((n) => n.filters);
  const dense = g.nodes.filter((n) => n.kind === 'dense').map((n) => n.units);
  const parts = [
    ...(convs.length > 0 ? [`conv ${convs.join('-')}`] : []),
    ...(dense.length > 0 ? [`fc ${dense.join('-')}`] : []),
    ...(count('dropout') > 0 ? [`${count('dropout')} dropout`] : []),
    ...(count('add') > 0 ? [`${count('add')} skip`] : []),
    ...(count('concat') > 0 ? [`${count('concat')} concat`] : []),
  ];
  return `${parts.join(' · ')} (${countParams(g).toLocaleString('en-US')} params)`;
}
