import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SearchConfig } from '../../src/search/config';
import { compactLeaderboard, ranked } from '../../src/search/leaderboard';
import { carryState, initialSearchState, withEntry } from '../../src/search/state';
import type { LeaderboardEntry } from '../../src/contracts/search';

const entry = (candidateId: string, generation: number, valAcc: number): LeaderboardEntry => ({
  candidateId,
  parentId: null,
  generation,
  status: 'completed',
  valAcc,
  params: 1000,
  checkpoint: `s3://b/${candidateId}`,
  ops: ['deeper conv1'],
});

describe('carried search state', () => {
  test('compaction keeps the best, the whole latest generation and the start model, in rank order', () => {
    const old = Array.from({ length: 50 }, (_, i) => entry(`g1-c${i}`, 1, 0.5 + i / 100));
    const latest = [entry('g2-c0', 2, 0.1), entry('g2-c1', 2, 0.999)];
    const kept = compactLeaderboard([...old, ...latest], 2, 5);
    assert.deepEqual(
      kept.map((e) => e.candidateId),
      ['g2-c1', 'g1-c49', 'g1-c48', 'g1-c47', 'g1-c46', 'g2-c0'],
    );
    assert.deepEqual(kept, ranked(kept));
  });

  test('carrying moves to the next generation, compacts, counts the run and stays small', () => {
    const config = SearchConfig.parse({ name: 'x', dataset: {} });
    let state = initialSearchState(config, 1000);
    state.leaderboard = [entry('g0-c0', 0, 0.01)];
    state = carryState(state, { generation: 1, pending: null, population: 10 });
    for (let g = 1; g < 40; g++) {
      for (let c = 0; c < 10; c++)
        state.leaderboard = withEntry(
          state.leaderboard,
          entry(`g${g}-c${c}`, g, ((g * 7 + c * 13) % 97) / 100),
        );
      state.candidates += 10;
      state = carryState(state, { generation: g + 1, pending: null, population: 10 });
    }
    assert.equal(state.generation, 40);
    assert.equal(state.run, 41);
    assert.equal(state.candidates, 390);
    assert.ok(state.leaderboard.length <= 51, `${state.leaderboard.length} entries carried`);
    assert.ok(
      state.leaderboard.some((e) => e.candidateId === 'g0-c0'),
      'the start model stays',
    );
    assert.ok(JSON.stringify(state).length < 16_000, 'a few KB, whatever the length of the search');
    assert.deepEqual(state.budget, config.budget);
  });

  test('withEntry replaces a candidate by id', () => {
    const board = withEntry([entry('a', 0, 0.1)], { ...entry('a', 0, 0.2) });
    assert.equal(board.length, 1);
    assert.equal(board[0].valAcc, 0.2);
  });

  test('an empty pending list is no pending list', () => {
    const config = SearchConfig.parse({ name: 'x', dataset: {} });
    const state = carryState(initialSearchState(config, 0), { generation: 0, pending: [], population: 4 });
    assert.equal(state.pending, null);
  });
});
