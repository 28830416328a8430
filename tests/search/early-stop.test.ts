import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SearchConfig } from '../../src/search/config';
import { median, rungDecision, rungEpoch } from '../../src/search/early-stop';

describe('early-stop rung decisions', () => {
  test('median: judged once there are minPeers earlier scores; at the median goes on', () => {
    const rule = { rule: 'median' as const, afterEpochs: 1, minPeers: 2 };
    assert.deepEqual(rungDecision(rule, [0.5], 0.1), { keep: true, threshold: null });
    assert.deepEqual(rungDecision(rule, [0.5, 0.7], 0.59), { keep: false, threshold: 0.6 });
    assert.deepEqual(rungDecision(rule, [0.5, 0.7], 0.6), { keep: true, threshold: 0.6 });
    assert.deepEqual(rungDecision(rule, [0.5, 0.7, 0.9], 0.8), { keep: true, threshold: 0.7 });
    assert.deepEqual(rungDecision(rule, [0.5, 0.7], null), { keep: true, threshold: null }, 'no validation');
  });

  test('halving: the best ⌈keep·n⌉ of the scores so far, its own included', () => {
    const rule = { rule: 'halving' as const, afterEpochs: 1, keep: 0.5 };
    assert.deepEqual(
      rungDecision(rule, [], 0.1),
      { keep: true, threshold: 0.1 },
      'the first is the best so far',
    );
    assert.deepEqual(rungDecision(rule, [0.8], 0.7), { keep: false, threshold: 0.8 });
    assert.deepEqual(rungDecision(rule, [0.8, 0.7], 0.75), { keep: true, threshold: 0.75 });
    assert.deepEqual(rungDecision(rule, [0.8, 0.7, 0.9], 0.75), { keep: false, threshold: 0.8 });
    const third = { ...rule, keep: 1 / 3 };
    assert.equal(rungDecision(third, [0.9, 0.8], 0.85).keep, false);
  });

  test('median of odd and even counts; the rung exists only before the last epoch', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    const rule = { rule: 'median' as const, afterEpochs: 2, minPeers: 1 };
    assert.equal(rungEpoch(rule, 5), 2);
    assert.equal(rungEpoch(rule, 2), null);
    assert.equal(rungEpoch(null, 5), null);
  });

  test('config: off by default; a rule with its defaults; bad values refused', () => {
    const base = { name: 'x', dataset: {} };
    assert.equal(SearchConfig.parse(base).earlyStop, null);
    assert.deepEqual(SearchConfig.parse({ ...base, earlyStop: { rule: 'median' } }).earlyStop, {
      rule: 'median',
      afterEpochs: 1,
      minPeers: 2,
    });
    assert.deepEqual(
      SearchConfig.parse({ ...base, earlyStop: { rule: 'halving', afterEpochs: 2 } }).earlyStop,
      {
        rule: 'halving',
        afterEpochs: 2,
        keep: 0.5,
      },
    );
    for (const earlyStop of [
      { rule: 'mean' },
      { rule: 'halving', keep: 1 },
      { rule: 'median', afterEpochs: 0 },
      { rule: 'median', keep: 0.5 },
    ]) {
      assert.equal(SearchConfig.safeParse({ ...base, earlyStop }).success, false, JSON.stringify(earlyStop));
    }
  });
});
