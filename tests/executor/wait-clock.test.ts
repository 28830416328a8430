/**
 * WaitClock: the waits a run's executor reports, summed for its result (history) and passed on
 * to the heartbeat unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WaitClock } from '../../src/executor/wait-clock';

test('waits are summed over their spans, each reason kept once, and passed on as they come', () => {
  let t = 0;
  const seen: (string | null)[] = [];
  const w = new WaitClock(
    () => t,
    (why) => seen.push(why),
  );
  assert.equal(w.waited(), undefined, 'no wait, no field');
  w.onWaiting('waiting for quota: exceeded quota: one-pod');
  t = 1500;
  w.onWaiting('waiting for quota: exceeded quota: one-pod');
  t = 4000;
  w.onWaiting('Pending');
  t = 4500;
  w.onWaiting(null);
  t = 9000;
  w.onWaiting('unschedulable: 0/1 nodes are available');
  t = 10_250;
  // A wait still open counts to now.
  assert.deepEqual(w.waited(), {
    seconds: 5.8,
    reasons: [
      'waiting for quota: exceeded quota: one-pod',
      'Pending',
      'unschedulable: 0/1 nodes are available',
    ],
  });
  assert.deepEqual(seen, [
    'waiting for quota: exceeded quota: one-pod',
    'waiting for quota: exceeded quota: one-pod',
    'Pending',
    null,
    'unschedulable: 0/1 nodes are available',
  ]);
});

test('a long reason is cut, and a run keeps at most four', () => {
  const w = new WaitClock(() => 0);
  w.onWaiting(`ErrImagePull: ${'x'.repeat(500)}`);
  for (let i = 0; i < 6; i++) w.onWaiting(`reason ${i}`);
  const waited = w.waited()!;
  assert.equal(waited.reasons.length, 4);
  assert.equal(waited.reasons[0].length, 200);
  assert.ok(waited.reasons[0].endsWith('…'));
});
