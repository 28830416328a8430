/**
 * The pieces of `netgrow status --watch` without a live search: the faults section (an activity
 * on its second attempt and why the first failed; diverged and failed candidates), and the
 * loop's two outputs — redrawn in place with lines cut to the width, or each changed block
 * once as plain lines — ending on the frame that says the experiment is over.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faultLines, watchLoop, WatchFrame } from '../../src/cli/status-watch';
import type { ExperimentStatusReport } from '../../src/experiment/status';

const ESC = '\x1b';

const report = (over: Partial<ExperimentStatusReport>): ExperimentStatusReport => ({
  experimentId: 'e1',
  kind: 'search',
  experimentUri: 'file:///r/experiments/e1',
  workflowStatus: 'RUNNING',
  workerAnswered: true,
  status: null,
  running: [],
  leaderboard: [],
  result: null,
  failure: null,
  ...over,
});

const entry = (candidateId: string, status: 'completed' | 'diverged' | 'failed') => ({
  candidateId,
  parentId: null,
  generation: 1,
  status,
  valAcc: status === 'completed' ? 0.9 : null,
  params: 100,
  checkpoint: null,
  ops: [],
});

test('faults: retried activities with the first failure, and candidates that diverged or failed', () => {
  assert.deepEqual(faultLines(report({})), []);
  const lines = faultLines(
    report({
      running: [
        {
          candidateId: 'g2-c1',
          activity: 'train',
          attempt: 2,
          heartbeat: null,
          lastFailure: 'worker lost\nstack…',
        },
        { candidateId: 'g2-c2', activity: 'train', attempt: 1, heartbeat: null, lastFailure: null },
      ],
      leaderboard: [entry('g1-c0', 'completed'), entry('g1-c1', 'diverged'), entry('g1-c2', 'failed')],
    }),
  );
  assert.deepEqual(lines, [
    'faults',
    '  g2-c1    train attempt 2 after: worker lost',
    '  g1-c1    diverged',
    '  g1-c2    failed',
  ]);
});

async function drive(frames: WatchFrame[], columns: number | undefined): Promise<string> {
  let out = '';
  let i = 0;
  await watchLoop(async () => frames[i++], {
    intervalMs: 1,
    columns,
    write: (t) => (out += t),
    signal: new AbortController().signal,
    now: () => new Date('2026-11-30T12:34:56Z'),
  });
  assert.equal(i, frames.length, 'stops at the frame that says done, not before');
  return out;
}

test('watchLoop: in place on a terminal, changed blocks once elsewhere, until done', async () => {
  const long = `leaderboard ${'x'.repeat(200)}`;
  const frames: WatchFrame[] = [
    { lines: ['running', long], done: false },
    { lines: ['running', long], done: false },
    { lines: ['workflow    completed'], done: true },
  ];
  const tty = await drive(frames, 40);
  assert.equal(tty.split('\x1b[3F\x1b[0J').length - 1, 2, 'each redraw goes up the 3 lines drawn before');
  for (const line of tty.replace(new RegExp(`${ESC}\\[\\d+F${ESC}\\[0J`, 'g'), '').split('\n'))
    assert.ok(line.length <= 39, line);
  const plain = await drive(frames, undefined);
  assert.equal(plain, `--- 12:34:56\nrunning\n${long}\n--- 12:34:56\nworkflow    completed\n`);
});
