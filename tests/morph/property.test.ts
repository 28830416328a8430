/**
 * The property behind every morphism: random networks (small builtins and random DAGs that
 * use every node kind), random weights (biases, batch-norm statistics and PReLU alphas all
 * non-trivial), random feasible command sequences of length 1..8 — and after every command
 * the child computes the parent's function within DESIGN's tolerance, checked by a float64
 * reference pass on random inputs.
 *
 * CI runs 1,000 cases; a larger run: NETGROW_MORPH_RUNS=20000 bash scripts/test.sh tests/morph/property.test.ts
 * (fast-check prints the seed and path of any failure; replay with NETGROW_MORPH_SEED).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkWeights, Graph, Rng, Weights } from '../../src/graph';
import {
  applyCommands,
  Command,
  formatCommand,
  morph,
  MorphError,
  planCommands,
  sampleMutation,
  SamplerOptions,
} from '../../src/morph';
import { randomArch, randomInputs, randomWeights, smallBuiltin } from './support/arch';
import { TOLERANCE } from './support/check';
import { compareOutputs, forward } from './support/forward';
import { EVERY_OP } from './support/sampler';

const RUNS = Number(process.env.NETGROW_MORPH_RUNS ?? 1000);
const SEED = process.env.NETGROW_MORPH_SEED ? Number(process.env.NETGROW_MORPH_SEED) : undefined;

function startNetwork(rng: Rng): { graph: Graph; weights: Weights } {
  const graph = rng.next() < 0.3 ? smallBuiltin(rng) : randomArch(rng);
  return { graph, weights: randomWeights(graph, rng) };
}

/** A command, or null when a grown network has nothing feasible left (never for the first). */
function drawOrStop(g: Graph, rng: Rng, opts: Partial<SamplerOptions>, index: number): Command | null {
  try {
    return sampleMutation(g, rng, opts);
  } catch (e) {
    if (index > 0 && e instanceof MorphError && e.code === 'no_feasible_command') return null;
    throw e;
  }
}

describe('morph property', () => {
  test(`${RUNS} random networks × 1..8 random preserving commands keep the function`, (t) => {
    const ops = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 8 }),
        (seed, length) => {
          const rng = new Rng(seed);
          const parent = startNetwork(rng);
          const x = randomInputs(parent.graph, 2, rng);
          const y0 = forward(parent.graph, parent.weights, x, 2);
          const opts = { ...EVERY_OP, preservingOnly: true, noise: seed % 2 ? 0.05 : 0 };
          let cur = parent;
          const done: Command[] = [];
          for (let i = 0; i < length; i++) {
            const c = drawOrStop(cur.graph, rng, opts, i);
            if (!c) break;
            done.push(c);
            const child = morph(cur.graph, cur.weights, c, rng.fork(i));
            checkWeights(child.graph, child.weights);
            assert.ok(child.preserving, formatCommand(c));
            const { relDiff } = compareOutputs(y0, forward(child.graph, child.weights, x, 2));
            assert.ok(
              relDiff <= TOLERANCE,
              `after ${done.map(formatCommand).join('; ')} on '${parent.graph.name}': relDiff ${relDiff}`,
            );
            ops.set(c.op, (ops.get(c.op) ?? 0) + 1);
            cur = child;
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    t.diagnostic(`commands checked: ${JSON.stringify(Object.fromEntries(ops))}`);
    for (const op of ['wider', 'deeper', 'kernel', 'skip', 'group', 'branch', 'insert']) {
      assert.ok((ops.get(op) ?? 0) > 0, `no ${op} command was drawn`);
    }
  });

  test('non-preserving commands (pools, random-pad) still give valid networks with finite outputs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const rng = new Rng(seed);
        let cur = startNetwork(rng);
        const x = randomInputs(cur.graph, 1, rng);
        for (let i = 0; i < 4; i++) {
          const c = drawOrStop(cur.graph, rng, { ...EVERY_OP, init: 'random-pad' }, i);
          if (!c) break;
          const child = morph(cur.graph, cur.weights, c, rng.fork(i));
          checkWeights(child.graph, child.weights);
          const [y] = forward(child.graph, child.weights, x, 1);
          assert.ok(
            y.every((v) => Number.isFinite(v)),
            formatCommand(c),
          );
          cur = child;
        }
      }),
      { numRuns: Math.max(50, Math.round(RUNS / 10)), seed: SEED },
    );
  });

  test("init random: the preserving sequence's architecture, valid weights, finite outputs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const rng = new Rng(seed);
        const start = startNetwork(rng);
        const x = randomInputs(start.graph, 1, rng);
        const commands: Command[] = [];
        let g = start.graph;
        for (let i = 0; i < 4; i++) {
          const c = drawOrStop(g, rng, EVERY_OP, i);
          if (!c) break;
          commands.push(c);
          g = planCommands(start.graph, commands, new Rng(seed)).graph;
        }
        const text = commands.map(formatCommand);
        const preserving = applyCommands(start.graph, start.weights, text, new Rng(seed));
        const random = applyCommands(start.graph, start.weights, text, new Rng(seed), { init: 'random' });
        assert.deepEqual(random.graph, preserving.graph, text.join('; '));
        assert.ok(random.steps.every((s) => !s.preserving));
        checkWeights(random.graph, random.weights);
        const [y] = forward(random.graph, random.weights, x, 1);
        assert.ok(
          y.every((v) => Number.isFinite(v)),
          text.join('; '),
        );
      }),
      { numRuns: Math.max(50, Math.round(RUNS / 10)), seed: SEED },
    );
  });
});
