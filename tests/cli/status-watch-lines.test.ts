/**
 * The pieces of `netgrow status --watch` without a live search: the faults section (an activity
 * on its second attempt and why the first failed; diverged and failed candidates), and the
 * loop's two outputs — redrawn in place with lines cut to the width, or each changed block
 * once as plain lines — ending on the frame that says the experiment is over.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faultLines, watchLoop, WatchFrame } from '../../src/cli/status-watch';
import { ProgressView } from '../../src/cli/progress-view';
import { experimentRecord } from '../../src/experiment/experiment';
import { statusLines, type ExperimentStatusReport } from '../../src/experiment/status';
import type { CandidateProgress } from '../../src/experiment/progress';
import { SearchConfig } from '../../src/search/config';

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
      leaderboard: [
        entry('g1-c0', 'completed'),
        entry('g1-c1', 'diverged'),
        entry('g1-c2', 'failed'),
        {
          ...entry('g1-c3', 'failed'),
          error: "mutate g1-c3: no feasible mutation of 'resnet-s' in 100 draws",
        },
      ],
    }),
  );
  assert.deepEqual(lines, [
    'faults',
    '  g2-c1    train attempt 2 after: worker lost',
    '  g1-c1    diverged',
    '  g1-c2    failed',
    "  g1-c3    failed: mutate g1-c3: no feasible mutation of 'resnet-s' in 100 draws",
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

test("a Pending pod's reason shows in status and in the plain progress lines until it trains", () => {
  const why = 'unschedulable: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu.';
  const waiting: CandidateProgress = {
    candidateId: 'g0-c0',
    activity: 'train',
    attempt: 1,
    heartbeat: { epoch: 0, step: 0, epochs: 2, metrics: {}, waiting: why },
    lastFailure: null,
  };
  const record = experimentRecord('search', 'e1', 'file:///r', SearchConfig.parse({ name: 'e' }));
  assert.ok(
    statusLines(report({ running: [waiting] }), record).includes(`  g0-c0    train, waiting: ${why}`),
  );

  const out: string[] = [];
  const view = new ProgressView({ write: (t) => void out.push(t) }, 'e1');
  const progress = (running: CandidateProgress[]) => ({
    workflowStatus: 'RUNNING',
    status: null,
    leaderboard: [],
    running,
  });
  view.update(progress([waiting]));
  view.update(progress([{ ...waiting, heartbeat: { epoch: 1, step: 3, epochs: 2, metrics: {} } }]));
  assert.deepEqual(out.join('').trim().split('\n'), [
    `g0-c0 train, waiting: ${why}`,
    'g0-c0 train epoch 1/2',
  ]);
});
