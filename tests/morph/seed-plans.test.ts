import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { builtin, initWeights, Rng } from '../../src/graph';
import { checkPreservation, tf } from '../../src/model';
import {
  applyCommands,
  MorphError,
  planCommands,
  SEED_VGG_PLAN3_AS_RUN,
  SEED_VGG_PLANS,
} from '../../src/morph';

before(async () => {
  await tf.setBackend('cpu');
});

const widths = (g: ReturnType<typeof builtin>) => ({
  conv: g.nodes.flatMap((n) => (n.kind === 'conv2d' ? [n.filters] : [])),
  fc: g.nodes.flatMap((n) => (n.kind === 'dense' ? [n.units] : [])),
});

/** Grows the seed teacher (28x28x1, 10 classes) and checks the function on real tfjs models. */
function grow(plan: string, seed: number) {
  const graph = builtin('seed-teacher');
  const weights = initWeights(graph, new Rng(seed));
  const child = applyCommands(graph, weights, plan, new Rng(seed + 1));
  const check = checkPreservation({ graph, weights }, child, { samples: 2, seed });
  return { child, check };
}

describe("the seed's VGG grow plans on seed-teacher", () => {
  SEED_VGG_PLANS.slice(0, 3).forEach((plan, i) => {
    test(`plan ${i} applies verbatim, reaches the VGG widths, and preserves the function`, () => {
      const { child, check } = grow(plan, 10 + i);
      assert.equal(child.steps.length, 15);
      assert.deepEqual(widths(child.graph), {
        conv: [64, 64, 128, 128, 256, 256, 256, 256],
        fc: [2048, 1024, 10],
      });
      assert.ok(child.preserving);
      assert.ok(check.preserving, `relDiff ${check.relDiff}`);
    });
  });

  test('plan 3 as the seed ran it preserves the function', () => {
    const { child, check } = grow(SEED_VGG_PLAN3_AS_RUN, 20);
    assert.deepEqual(widths(child.graph), {
      conv: [64, 64, 128, 256, 256, 256, 256, 256],
      fc: [2048, 2048, 10],
    });
    assert.ok(check.preserving, `relDiff ${check.relDiff}`);
  });

  test('plan 3 verbatim compounds its ratios and is refused before allocating a 400M-weight layer', () => {
    assert.throws(
      () => planCommands(builtin('seed-teacher'), SEED_VGG_PLANS[3], new Rng(1)),
      (e: unknown) =>
        e instanceof MorphError &&
        e.code === 'too_large' &&
        /^command 11 of 15, `wider conv6 x4`: 'fc1\/kernel' would hold 411,041,792 weights \[200704, 2048\]/.test(
          e.message,
        ),
    );
  });
});
