import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/graph/rng';
import { SearchConfig, type GaStrategy } from '../../src/search/config';
import { selectionPool, tournament } from '../../src/search/ga';
import { planGeneration } from '../../src/search/strategy';
import type { LeaderboardEntry } from '../../src/contracts/search';

const ga = (over: object): GaStrategy => {
  const s = SearchConfig.parse({ name: 'x', dataset: {}, strategy: { kind: 'ga', ...over } }).strategy;
  assert.equal(s.kind, 'ga');
  return s as GaStrategy;
};

function entry(
  candidateId: string,
  generation: number,
  valAcc: number | null,
  params = 1000,
): LeaderboardEntry {
  return {
    candidateId,
    parentId: null,
    generation,
    status: valAcc === null ? 'diverged' : 'completed',
    valAcc,
    params,
    checkpoint: valAcc === null ? null : `file:///x/${candidateId}`,
    ops: [],
  };
}

const board = [
  entry('g0-c0', 0, 0.7),
  entry('g1-c0', 1, 0.95), // the elite
  entry('g1-c1', 1, 0.6),
  entry('g2-c0', 2, 0.8),
  entry('g2-c1', 2, 0.85),
  entry('g2-c2', 2, null),
  entry('g2-c3', 2, 0.5),
];

describe('genetic search', () => {
  test('the pool is the elite plus the latest generation, best first; diverged ones never', () => {
    const pool = selectionPool({ generation: 3, leaderboard: board }, 1);
    assert.deepEqual(
      pool.map((e) => e.candidateId),
      ['g1-c0', 'g2-c1', 'g2-c0', 'g2-c3'],
    );
    const noElite = selectionPool({ generation: 3, leaderboard: board }, 0);
    assert.deepEqual(
      noElite.map((e) => e.candidateId),
      ['g2-c1', 'g2-c0', 'g2-c3'],
    );
  });

  test('a generation with nothing viable falls back to everything viable', () => {
    const pool = selectionPool(
      { generation: 2, leaderboard: [entry('g0-c0', 0, 0.7), entry('g1-c0', 1, null)] },
      0,
    );
    assert.deepEqual(
      pool.map((e) => e.candidateId),
      ['g0-c0'],
    );
  });

  test('keep-best (the seed): every child grows from the best', () => {
    const plan = planGeneration(
      ga({ population: 4, selection: 'keep-best', elite: 1 }),
      { generation: 3, leaderboard: board },
      new Rng(1),
      10,
    );
    assert.deepEqual(
      plan.children.map((c) => c.parentId),
      ['g1-c0', 'g1-c0', 'g1-c0', 'g1-c0'],
    );
    assert.deepEqual(
      plan.children.map((c) => c.childId),
      ['g3-c0', 'g3-c1', 'g3-c2', 'g3-c3'],
    );
    assert.deepEqual(plan.selection, { from: ['g1-c0', 'g2-c1', 'g2-c0', 'g2-c3'], selected: ['g1-c0'] });
    const two = planGeneration(
      ga({ population: 3, selection: 'keep-best', elite: 2 }),
      { generation: 3, leaderboard: board },
      new Rng(1),
      10,
    );
    assert.deepEqual(
      two.children.map((c) => c.parentId),
      ['g1-c0', 'g2-c1', 'g1-c0'],
    );
  });

  test('tournament selection favours the better candidates', () => {
    const pool = selectionPool({ generation: 3, leaderboard: board }, 1);
    const rng = new Rng(42);
    const wins = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const w = tournament(pool, 2, rng).candidateId;
      wins.set(w, (wins.get(w) ?? 0) + 1);
    }
    // With 4 in the pool and 2 draws, rank r wins with probability ((5-r)^2 - (4-r)^2) / 16: 7, 5, 3, 1 in 16.
    const share = (id: string) => (wins.get(id) ?? 0) / 4000;
    assert.ok(Math.abs(share('g1-c0') - 7 / 16) < 0.04, `best ${share('g1-c0')}`);
    assert.ok(Math.abs(share('g2-c3') - 1 / 16) < 0.03, `worst ${share('g2-c3')}`);
    assert.equal(tournament(pool, 50, new Rng(1)).candidateId, 'g1-c0', 'a large tournament picks the best');
  });

  test('ties go to the smaller network, then the earlier id', () => {
    const tied = [entry('g1-c1', 1, 0.9, 500), entry('g1-c0', 1, 0.9, 800), entry('g1-c2', 1, 0.9, 500)];
    const plan = planGeneration(
      ga({ population: 1, selection: 'keep-best' }),
      { generation: 2, leaderboard: tied },
      new Rng(1),
      10,
    );
    assert.equal(plan.children[0].parentId, 'g1-c1');
  });

  test('children carry the configured number of mutations and distinct seeds', () => {
    const plan = planGeneration(
      ga({ population: 5, mutations: 2 }),
      { generation: 3, leaderboard: board },
      new Rng(9),
      10,
    );
    assert.ok(plan.children.every((c) => c.mutations === 2 && c.ops === undefined));
    assert.equal(new Set(plan.children.map((c) => c.seed)).size, 5);
  });

  test('no viable candidate at all ends the search', () => {
    const plan = planGeneration(
      ga({}),
      { generation: 1, leaderboard: [entry('g0-c0', 0, null)] },
      new Rng(1),
      10,
    );
    assert.equal(plan.end, 'no-viable-parent');
  });
});
