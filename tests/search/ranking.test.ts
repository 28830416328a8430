import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeaderboardEntry } from '../../src/contracts/search';
import { SearchConfig } from '../../src/search/config';
import { bestViable, ranked } from '../../src/search/leaderboard';
import { criterionOf, penalizedScore } from '../../src/search/ranking';

const entry = (id: string, valAcc: number, params: number, score?: number): LeaderboardEntry => ({
  candidateId: id,
  parentId: null,
  generation: 1,
  status: 'completed',
  valAcc,
  params,
  checkpoint: `file:///x/${id}`,
  ops: [],
  ...(score !== undefined ? { score } : {}),
});

describe('size penalty in ranking', () => {
  test('score = val acc − λ·log10(params or flops)', () => {
    assert.equal(penalizedScore({ valAcc: 0.9, params: 1000 }, { params: 0.01 }), 0.9 - 0.03);
    assert.equal(penalizedScore({ valAcc: 0.9, params: 1000, flops: 1e6 }, { flops: 0.01 }), 0.9 - 0.06);
    assert.equal(penalizedScore({ valAcc: 0.9, params: 1000 }, null), null, 'no penalty');
    assert.equal(penalizedScore({ valAcc: 0.9, params: 1000 }, { flops: 0.01 }), null, 'flops unknown');
    assert.equal(penalizedScore({ valAcc: null, params: 1000 }, { params: 0.01 }), null, 'not scored');
    assert.equal(criterionOf({ params: 0.01 }), 'val_acc - 0.01*log10(params)');
    assert.equal(criterionOf(null), 'val_acc');
  });

  test('entries with a score rank by it; without, by val acc', () => {
    const small = entry('small', 0.88, 1_000);
    const big = entry('big', 0.9, 1_000_000);
    assert.equal(bestViable([small, big])?.candidateId, 'big', 'val acc alone');
    const withScores = [small, big].map((e) => ({
      ...e,
      score: penalizedScore(e, { params: 0.01 }) as number,
    }));
    // 0.88 − 0.03 = 0.85 beats 0.90 − 0.06 = 0.84
    assert.deepEqual(
      ranked(withScores).map((e) => e.candidateId),
      ['small', 'big'],
    );
  });

  test('config: off by default; λ in [0, 1]; params or flops, not both', () => {
    const base = { name: 'x', dataset: {} };
    assert.deepEqual(SearchConfig.parse(base).ranking, { penalty: null });
    assert.deepEqual(SearchConfig.parse(base).scratch, { enabled: false, match: 'epochs' });
    assert.deepEqual(SearchConfig.parse(base).controls, { continue: false });
    assert.deepEqual(SearchConfig.parse({ ...base, ranking: { penalty: { flops: 0.02 } } }).ranking.penalty, {
      flops: 0.02,
    });
    for (const penalty of [{ params: -1 }, { params: 2 }, { params: 0.1, flops: 0.1 }, { size: 0.1 }]) {
      assert.equal(
        SearchConfig.safeParse({ ...base, ranking: { penalty } }).success,
        false,
        JSON.stringify(penalty),
      );
    }
  });
});
