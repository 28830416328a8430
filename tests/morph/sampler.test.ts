import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtin, BUILTIN_NAMES, countFlops, Rng } from '../../src/graph';
import {
  choiceWeights,
  depthStats,
  formatCommand,
  MorphError,
  planCommands,
  randomPlan,
  sampleMutation,
  SEED_RAND_CMD,
  SEED_SAMPLER,
} from '../../src/morph';

describe('mutation sampler', () => {
  test('maxFlops: no sampled plan goes over the limit; without it, some do', () => {
    const g = builtin('seed-ga');
    const limit = 2 * countFlops(g).forwardFlops;
    const flopsOf = (opts: { maxFlops?: number }, seed: number) =>
      countFlops(planCommands(g, randomPlan(g, new Rng(seed), 3, opts), new Rng(0)).graph).forwardFlops;
    const limited = Array.from({ length: 40 }, (_, s) => flopsOf({ maxFlops: limit }, s));
    const free = Array.from({ length: 40 }, (_, s) => flopsOf({}, s));
    assert.ok(
      limited.every((f) => f <= limit),
      `over the limit: ${limited.filter((f) => f > limit).length}`,
    );
    assert.ok(
      free.some((f) => f > limit),
      'the limit is not vacuous on seed-ga',
    );
    // Below the network's own cost nothing is feasible: one sentence naming the limit.
    assert.throws(
      () => sampleMutation(g, new Rng(1), { maxFlops: countFlops(g).forwardFlops / 2 }),
      (e: unknown) => e instanceof MorphError && /over the limit/.test(e.message),
    );
  });

  test("choice weights follow the seed's calc_choice_weight", () => {
    // seed-ga at 32x32: depth 2 convs, one pool of a limit of floor(log2 32) - 2 = 3.
    const g = builtin('seed-ga', { inputShape: [32, 32, 3] });
    assert.deepEqual(depthStats(g), { depth: 2, poolCount: 1, poolLimit: 3 });
    const w = choiceWeights(g);
    assert.equal(w.deeper, 10);
    assert.equal(w.wider, 10);
    assert.equal(w['deeper-pool'], Math.floor(20 - (20 / 6) * 1));
    assert.equal(w.skip, 1);
    assert.equal(w.group, 1);
    assert.equal(w.kernel, 0);
    // At the pooling limit (28x28: floor(log2 28) - 2 = 2, seed-teacher has 2 pools) pooling stops.
    assert.equal(choiceWeights(builtin('seed-teacher'))['deeper-pool'], 0);
    assert.equal(choiceWeights(g, { preservingOnly: true })['deeper-pool'], 0);
    assert.equal(choiceWeights(g, { weights: { kernel: 3, wider: 0 } }).kernel, 3);
    assert.equal(choiceWeights(g, { weights: { kernel: 3, wider: 0 } }).wider, 0);
  });

  test('the same seed gives the same commands; another seed others', () => {
    const g = builtin('vgg8');
    const a = randomPlan(g, new Rng(42), 6).map(formatCommand);
    const b = randomPlan(g, new Rng(42), 6).map(formatCommand);
    const c = randomPlan(g, new Rng(43), 6).map(formatCommand);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('random plans are feasible as a whole on every builtin', () => {
    for (const name of BUILTIN_NAMES) {
      const g = builtin(name);
      for (let seed = 0; seed < 5; seed++) {
        const plan = randomPlan(g, new Rng(seed), 5);
        assert.equal(planCommands(g, plan, new Rng(seed)).steps.length, 5, `${name} seed ${seed}`);
      }
    }
  });

  test("a widened conv stays under the seed's depth-dependent cap", () => {
    const g = builtin('seed-ga');
    for (let seed = 0; seed < 30; seed++) {
      const c = sampleMutation(g, new Rng(seed), {
        weights: { deeper: 0, 'deeper-pool': 0, skip: 0, group: 0 },
      });
      assert.equal(c.op, 'wider');
      // conv1 is at conv depth 1: cap 128 + 896 / 20 = 172; conv2 (the head) is never widened.
      assert.ok(
        c.op === 'wider' && c.node === 'conv1' && c.width! > 128 && c.width! <= 172,
        formatCommand(c),
      );
    }
  });

  test('deeper-with-pooling prefers early layers and stops at the pooling limit', () => {
    const g = builtin('vgg8', { inputShape: [256, 256, 3] });
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 200; seed++) {
      const c = sampleMutation(g, new Rng(seed), { weights: { deeper: 0, wider: 0, skip: 0, group: 0 } });
      assert.ok(c.op === 'deeper' && c.pool);
      counts.set(c.node, (counts.get(c.node) ?? 0) + 1);
    }
    assert.ok((counts.get('conv1') ?? 0) > 3 * (counts.get('conv8') ?? 0), JSON.stringify([...counts]));
    // vgg8 at 64x64 already has floor(log2 64) - 2 = 4 pools.
    assert.equal(choiceWeights(builtin('vgg8', { inputShape: [64, 64, 3] }))['deeper-pool'], 0);
  });

  test("the seed's rand_cmd preset: only deeper and wider, ratios in [1.2, 2.4]", () => {
    const g = builtin('seed-teacher');
    const plan = randomPlan(g, new Rng(3), 12, SEED_RAND_CMD);
    assert.ok(plan.every((c) => c.op === 'deeper' || c.op === 'wider'));
    assert.ok(plan.some((c) => c.op === 'deeper') && plan.some((c) => c.op === 'wider'));
    assert.equal(planCommands(g, plan, new Rng(3)).steps.length, 12);
  });

  test('no feasible command is a clear error', () => {
    assert.throws(
      () => sampleMutation(builtin('mlp'), new Rng(1), { weights: { deeper: 0, wider: 0 }, maxTries: 10 }),
      (e: unknown) =>
        e instanceof MorphError &&
        e.code === 'no_feasible_command' &&
        /every mutation kind has weight 0/.test(e.message),
    );
    assert.throws(
      () =>
        sampleMutation(builtin('seed-ga'), new Rng(1), {
          weights: { deeper: 0, wider: 0, 'deeper-pool': 0, group: 0 },
          maxTries: 10,
        }),
      (e: unknown) =>
        e instanceof MorphError &&
        e.code === 'no_feasible_command' &&
        /no feasible mutation of 'seed-ga' in 10 draws/.test(e.message),
    );
  });

  test("the defaults are the seed's constants", () => {
    assert.equal(SEED_SAMPLER.maxDepth, 20);
    assert.equal(SEED_SAMPLER.minConvWidth, 128);
    assert.equal(SEED_SAMPLER.maxConvWidth, 1024);
    assert.deepEqual(SEED_SAMPLER.denseRatio, [1.2, 2.4]);
  });
});
