import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  budgetExhausted,
  budgetPatchProblems,
  budgetProblems,
  candidatesLeft,
  parseDuration,
  wallTimeLeftMs,
} from '../../src/search/budget';
import type { Budget } from '../../src/contracts/search';

const H = 3_600_000;
const none: Budget = { candidates: null, wallTime: null, gpuHours: null };
const usage = (over: Partial<{ candidates: number; startedAtMs: number; deviceSeconds: number }> = {}) => ({
  candidates: 0,
  startedAtMs: 1_000_000,
  deviceSeconds: 0,
  ...over,
});

describe('budget', () => {
  test('durations: seconds to days, combined, and refusals', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('30m'), 30 * 60_000);
    assert.equal(parseDuration('2h'), 2 * H);
    assert.equal(parseDuration('1d12h'), 36 * H);
    assert.equal(parseDuration('1.5h'), 1.5 * H);
    for (const bad of ['2', '2 hours', 'h', '0s', '-1h', '2w', ''])
      assert.equal(parseDuration(bad), null, bad);
  });

  test('no limits: never exhausted, everything left', () => {
    assert.equal(budgetExhausted(none, usage({ candidates: 1e6, deviceSeconds: 1e9 }), 1e12), null);
    assert.equal(candidatesLeft(none, usage()), Infinity);
    assert.equal(wallTimeLeftMs(none, usage(), 5e6), Infinity);
  });

  test('each limit ends the search when reached, the candidate count first', () => {
    const budget: Budget = { candidates: 10, wallTime: '2h', gpuHours: 1 };
    assert.equal(budgetExhausted(budget, usage({ candidates: 9 }), 1_000_000), null);
    assert.equal(budgetExhausted(budget, usage({ candidates: 10 }), 1_000_000), 'candidates');
    assert.equal(budgetExhausted(budget, usage(), 1_000_000 + 2 * H - 1), null);
    assert.equal(budgetExhausted(budget, usage(), 1_000_000 + 2 * H), 'wall-time');
    assert.equal(budgetExhausted(budget, usage({ deviceSeconds: 3599 }), 1_000_000), null);
    assert.equal(budgetExhausted(budget, usage({ deviceSeconds: 3600 }), 1_000_000), 'gpu-hours');
    assert.equal(budgetExhausted(budget, usage({ candidates: 10, deviceSeconds: 1e9 }), 1e12), 'candidates');
  });

  test('what is left', () => {
    const budget: Budget = { candidates: 10, wallTime: '1h', gpuHours: null };
    assert.equal(candidatesLeft(budget, usage({ candidates: 7 })), 3);
    assert.equal(candidatesLeft(budget, usage({ candidates: 12 })), 0);
    assert.equal(wallTimeLeftMs(budget, usage(), 1_000_000 + 0.25 * H), 0.75 * H);
    assert.equal(wallTimeLeftMs(budget, usage(), 1_000_000 + 5 * H), 0);
  });

  test('problems name the field and what was received', () => {
    assert.deepEqual(budgetProblems({ candidates: 5, wallTime: '30m', gpuHours: 0.5 }), []);
    assert.deepEqual(budgetProblems({ candidates: null, wallTime: null }), []);
    assert.deepEqual(budgetProblems({ candidates: -1, wallTime: 'soon', gpuHours: 0 }), [
      'candidates: must be a positive integer or null, received -1',
      'gpuHours: must be a positive number or null, received 0',
      'wallTime: must be a duration such as 90s, 30m, 2h or 1d12h or null, received "soon"',
    ]);
    assert.deepEqual(budgetProblems({ candidates: 2.5 }), [
      'candidates: must be a positive integer or null, received 2.5',
    ]);
  });

  test('a setBudget patch: unknown fields and bad values are named; not-an-object is explained', () => {
    assert.deepEqual(budgetPatchProblems({ wallTime: '4h' }), []);
    assert.deepEqual(budgetPatchProblems({ candidatez: 3, gpuHours: -2 }), [
      'candidatez: unknown budget field (known: candidates, wallTime, gpuHours)',
      'gpuHours: must be a positive number or null, received -2',
    ]);
    for (const bad of [null, 5, [1]]) {
      assert.deepEqual(budgetPatchProblems(bad), [
        'a budget change is an object such as {"candidates": 60, "wallTime": "4h"}',
      ]);
    }
  });
});
