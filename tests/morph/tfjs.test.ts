/**
 * The morph property tests trust a float64 reference pass; this file checks that pass against
 * the real tfjs builder (cpu backend) on the same kind of random networks, and re-runs a
 * smaller number of random grow sequences end to end on real tfjs models.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Rng } from '../../src/graph';
import { buildModel, checkPreservation, predict } from '../../src/model';
import { applyCommands, formatCommand, randomPlan, SamplerOptions } from '../../src/morph';
import { randomArch, randomInputs, randomWeights, smallBuiltin } from './support/arch';
import { TOLERANCE } from './support/check';
import { forward } from './support/forward';
import { useTestBackend } from '../support/backend';
import { EVERY_OP as SHARED_OPS } from './support/sampler';

before(async () => {
  await useTestBackend();
});

/** The shared mix but for the one operation that changes the function (`deeper … pool=`). */
const EVERY_OP: Partial<SamplerOptions> = {
  ...SHARED_OPS,
  weights: { ...SHARED_OPS.weights, 'deeper-pool': 0 },
  preservingOnly: true,
  maxTries: 100,
};

describe('the float64 reference pass agrees with tfjs', () => {
  test('on 200 random networks with non-trivial weights', () => {
    for (let seed = 0; seed < 200; seed++) {
      const rng = new Rng(1000 + seed);
      const graph = seed % 4 === 0 ? smallBuiltin(rng) : randomArch(rng);
      const weights = randomWeights(graph, rng);
      const x = randomInputs(graph, 2, rng);
      const ref = forward(graph, weights, x, 2);
      const model = buildModel(graph, weights);
      const shape = graph.nodes[0].kind === 'input' ? graph.nodes[0].shape : [];
      const y = predict(model, Float32Array.from(x), 2, shape);
      model.dispose();
      const flat = ref.flatMap((r) => [...r]);
      const scale = 1 + Math.max(...flat.map(Math.abs));
      const diff = Math.max(...flat.map((v, i) => Math.abs(v - y[i])));
      assert.ok(diff / scale <= 1e-5, `seed ${seed} '${graph.name}': tfjs differs by ${diff}`);
    }
  });
});

describe('random grow sequences on real tfjs models', () => {
  test('100 networks × 1..8 commands: the grown network computes the parent function', () => {
    for (let seed = 0; seed < 100; seed++) {
      const rng = new Rng(2000 + seed);
      const graph = seed % 3 === 0 ? smallBuiltin(rng) : randomArch(rng);
      const weights = randomWeights(graph, rng);
      const plan = randomPlan(graph, rng, 1 + rng.int(8), EVERY_OP);
      const child = applyCommands(graph, weights, plan, rng);
      const check = checkPreservation({ graph, weights }, child, { samples: 2, seed });
      assert.ok(
        check.relDiff <= TOLERANCE,
        `seed ${seed}: ${plan.map(formatCommand).join('; ')}: ${check.relDiff}`,
      );
    }
  });
});
