/** Helpers the morph tests share: networks with non-trivial weights, the tolerance, refusals. */
import assert from 'node:assert/strict';
import {
  builtin,
  BuiltinOptions,
  checkWeights,
  Graph,
  GraphNodeInput,
  parseGraph,
  Rng,
  Weights,
} from '../../../src/graph';
import { CommandError, morph, MorphError, MorphResult } from '../../../src/morph';
import { randomInputs, randomWeights } from './arch';
import { compareOutputs, forward } from './forward';

export interface Net {
  graph: Graph;
  weights: Weights;
}

export const TOLERANCE = 1e-4;

export function builtinNet(name: string, opts: BuiltinOptions = {}, seed = 1): Net {
  const graph = builtin(name, opts);
  return { graph, weights: randomWeights(graph, new Rng(seed)) };
}

export function customNet(nodes: GraphNodeInput[], output: string, seed = 1): Net {
  const graph = parseGraph({ name: 'custom', nodes, output });
  return { graph, weights: randomWeights(graph, new Rng(seed)) };
}

/** The DESIGN tolerance quantity, max|f_child − f_parent| / (1 + max|f_parent|), in float64. */
export function outputChange(
  parent: Net,
  child: Net,
  samples = 3,
  seed = 7,
): { maxAbsDiff: number; relDiff: number } {
  const x = randomInputs(parent.graph, samples, new Rng(seed));
  return compareOutputs(
    forward(parent.graph, parent.weights, x, samples),
    forward(child.graph, child.weights, x, samples),
  );
}

export function assertPreserved(parent: Net, child: Net): void {
  const { relDiff } = outputChange(parent, child);
  assert.ok(relDiff <= TOLERANCE, `output changed by ${relDiff} (tolerance ${TOLERANCE})`);
}

/** Applies one command, checks the child's weights fit its graph and the parent is untouched. */
export function apply(parent: Net, command: string, seed = 3): MorphResult {
  const before = [...parent.weights].map(([k, t]) => [k, t.data.slice()] as const);
  const nodesBefore = JSON.stringify(parent.graph);
  const r = morph(parent.graph, parent.weights, command, new Rng(seed));
  checkWeights(r.graph, r.weights);
  assert.equal(JSON.stringify(parent.graph), nodesBefore, 'the parent graph was modified');
  for (const [k, data] of before)
    assert.deepEqual(parent.weights.get(k)!.data, data, `parent weight ${k} was modified`);
  return r;
}

/** The MorphError a command is refused with; asserts it is one line. */
export function refusal(parent: Net, command: string): MorphError {
  try {
    morph(parent.graph, parent.weights, command, new Rng(1));
  } catch (e) {
    assert.ok(e instanceof MorphError, `expected a MorphError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.ok(e.message.startsWith(`\`${command}\`: `), `names the command: ${e.message}`);
    return e;
  }
  assert.fail(`expected \`${command}\` to be refused`);
}

export function commandError(fn: () => unknown): CommandError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CommandError, `expected a CommandError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return e;
  }
  assert.fail('expected a CommandError');
}

export function nodeIn(g: Graph, id: string) {
  const n = g.nodes.find((x) => x.id === id);
  assert.ok(n, `no node '${id}'`);
  return n;
}
