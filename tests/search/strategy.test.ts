import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/graph/rng';
import { SearchConfig, type StrategyConfig } from '../../src/search/config';
import { parsePlanText, stageCommands } from '../../src/search/plan';
import { planGeneration } from '../../src/search/strategy';
import type { LeaderboardEntry } from '../../src/contracts/search';

const strategyOf = (strategy: unknown): StrategyConfig =>
  SearchConfig.parse({ name: 'x', dataset: {}, strategy }).strategy;

function entry(
  candidateId: string,
  generation: number,
  valAcc: number | null,
  over: Partial<LeaderboardEntry> = {},
): LeaderboardEntry {
  return {
    candidateId,
    parentId: generation === 0 ? null : 'g0-c0',
    generation,
    status: valAcc === null ? 'diverged' : 'completed',
    valAcc,
    params: 1000,
    checkpoint: valAcc === null ? null : `file:///x/${candidateId}`,
    ops: [],
    ...over,
  };
}

const start = entry('g0-c0', 0, 0.7);

describe('search strategies', () => {
  test('generation 0 of every strategy is the start model, trained as is', () => {
    for (const kind of ['ga', 'random', 'hill']) {
      const plan = planGeneration(strategyOf({ kind }), { generation: 0, leaderboard: [] }, new Rng(1), 10);
      assert.equal(plan.children.length, 1);
      assert.deepEqual(
        { ...plan.children[0], seed: 0 },
        { parentId: null, childId: 'g0-c0', seed: 0, ops: [] },
      );
    }
  });

  test('a strategy ends after its generations', () => {
    const plan = planGeneration(
      strategyOf({ kind: 'ga', generations: 2 }),
      { generation: 3, leaderboard: [start] },
      new Rng(1),
      10,
    );
    assert.deepEqual(plan, { children: [], selection: null, end: 'generations' });
  });

  test('the same state and seed make the same decisions; another seed others', () => {
    const board = [start, entry('g1-c0', 1, 0.8), entry('g1-c1', 1, 0.75), entry('g1-c2', 1, 0.9)];
    const s = strategyOf({ kind: 'ga', population: 6, generations: 5, tournamentSize: 2 });
    const a = planGeneration(s, { generation: 2, leaderboard: board }, new Rng('7:2'), 10);
    const b = planGeneration(s, { generation: 2, leaderboard: board }, new Rng('7:2'), 10);
    const c = planGeneration(s, { generation: 2, leaderboard: board }, new Rng('8:2'), 10);
    assert.deepEqual(a, b);
    assert.notDeepEqual(
      a.children.map((x) => x.seed),
      c.children.map((x) => x.seed),
    );
  });

  test('the budget trims a generation', () => {
    const plan = planGeneration(
      strategyOf({ kind: 'random', population: 5 }),
      { generation: 1, leaderboard: [start] },
      new Rng(1),
      2,
    );
    assert.deepEqual(
      plan.children.map((c) => c.childId),
      ['g1-c0', 'g1-c1'],
    );
  });

  test('random: children of the trained start model with 1..maxMutations commands', () => {
    const s = strategyOf({ kind: 'random', population: 40, maxMutations: 3 });
    const later = [start, entry('g1-c0', 1, 0.99)];
    const plan = planGeneration(s, { generation: 2, leaderboard: later }, new Rng(3), 100);
    assert.equal(plan.children.length, 40);
    assert.ok(
      plan.children.every((c) => c.parentId === 'g0-c0'),
      'never from a later, better candidate',
    );
    const counts = new Set(plan.children.map((c) => c.mutations));
    assert.deepEqual([...counts].sort(), [1, 2, 3]);
    const untrained = planGeneration(
      s,
      { generation: 1, leaderboard: [entry('g0-c0', 0, null)] },
      new Rng(3),
      100,
    );
    assert.ok(
      untrained.children.every((c) => c.parentId === null),
      'from the start architecture when the start diverged',
    );
  });

  test('hill climbing: neighbours of the best so far', () => {
    const s = strategyOf({ kind: 'hill', population: 2, mutations: 2 });
    const board = [start, entry('g1-c0', 1, 0.72), entry('g2-c0', 2, 0.69), entry('g2-c1', 2, null)];
    const plan = planGeneration(s, { generation: 3, leaderboard: board }, new Rng(1), 10);
    assert.deepEqual(
      plan.children.map((c) => [c.parentId, c.childId, c.mutations]),
      [
        ['g1-c0', 'g3-c0', 2],
        ['g1-c0', 'g3-c1', 2],
      ],
    );
    assert.deepEqual(plan.selection?.selected, ['g1-c0']);
    const stuck = planGeneration(
      s,
      { generation: 1, leaderboard: [entry('g0-c0', 0, null)] },
      new Rng(1),
      10,
    );
    assert.equal(stuck.end, 'no-viable-parent');
  });

  test('plan: stage k grows the candidate of generation k-1 with explicit commands', () => {
    const s = strategyOf({ kind: 'plan', stages: ['deeper conv2;  deeper fc1', 'wider conv3 x2'] });
    const one = planGeneration(s, { generation: 1, leaderboard: [start] }, new Rng(1), 10);
    assert.deepEqual(
      { ...one.children[0], seed: 0 },
      { parentId: 'g0-c0', childId: 'g1-c0', seed: 0, ops: ['deeper conv2', 'deeper fc1'] },
    );
    const two = planGeneration(
      s,
      { generation: 2, leaderboard: [start, entry('g1-c0', 1, 0.6)] },
      new Rng(1),
      10,
    );
    assert.deepEqual(two.children[0].ops, ['wider conv3 x2']);
    assert.equal(two.children[0].parentId, 'g1-c0');
    const broken = planGeneration(
      s,
      { generation: 2, leaderboard: [start, entry('g1-c0', 1, null)] },
      new Rng(1),
      10,
    );
    assert.equal(broken.end, 'no-viable-parent');
    const done = planGeneration(s, { generation: 3, leaderboard: [] }, new Rng(1), 10);
    assert.equal(done.end, 'plan-finished');
  });

  test('plan text: one stage per line, `;` between commands, `#` comments', () => {
    assert.deepEqual(parsePlanText('# grow\ndeeper conv2; deeper fc1 \n\n ; \nwider   conv3 x2 # why\n'), [
      'deeper conv2; deeper fc1',
      'wider   conv3 x2',
    ]);
    assert.deepEqual(stageCommands(' wider   conv3 x2 ;; deeper fc1;'), ['wider conv3 x2', 'deeper fc1']);
  });
});
