import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { afterCandidate, failingAlike, type FailureRun } from '../../src/search/failure-run';

describe('candidates failing alike', () => {
  test('the same error with each candidate naming itself counts as one reason; the first one is kept', () => {
    let run: FailureRun | null = null;
    for (const id of ['g1-c0', 'g1-c1', 'g1-c2']) {
      run = afterCandidate(run, id, 'failed', `train: run ${id}-a1: image pull failed`);
    }
    assert.deepEqual(run, {
      error: 'train: run g1-c0-a1: image pull failed',
      key: 'train: run -a1: image pull failed',
      count: 3,
    });
    assert.equal(failingAlike(run, 3), true);
    assert.equal(failingAlike(run, 4), false);
    assert.equal(failingAlike(run, 0), false, '0 turns the rule off');
  });

  test('another error starts a new run; any other status ends it', () => {
    const one = afterCandidate(null, 'g1-c0', 'failed', 'exit 137');
    const other = afterCandidate(one, 'g1-c1', 'failed', 'exit 2');
    assert.deepEqual(other, { error: 'exit 2', key: 'exit 2', count: 1 });
    for (const status of ['completed', 'diverged', 'stopped'] as const) {
      assert.equal(afterCandidate(other, 'g1-c2', status, null), null, status);
    }
    assert.equal(failingAlike(undefined, 3), false, 'histories from before the rule');
  });

  test('a failure with no recorded error still counts', () => {
    const run = afterCandidate(afterCandidate(null, 'a', 'failed', null), 'b', 'failed', null);
    assert.equal(run?.count, 2);
    assert.equal(run?.error, 'no error recorded');
  });
});
