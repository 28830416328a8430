import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows } from '../../worker/index';
import { quietRuntime } from '../support/temporal';

import { committedHistories, loadHistory } from './histories';

// Histories recorded by tests/replay/record.ts, every released version's (v1/, v2/, …). A
// change to the workflows that would make a running search fail on its next task (a
// nondeterminism error) fails here first.
const histories = committedHistories();
const byName = new Map(histories.map((h) => [h.name, h]));
const load = (name: string) => loadHistory(byName.get(name)!);

let workflowBundle: WorkflowBundle;
before(async () => {
  quietRuntime();
  workflowBundle = await bundleWorkflows();
});

describe('replay of recorded histories against the current workflow code', () => {
  test('every workflow kind is covered, and histories from real activities are among them', () => {
    const types = new Set(
      histories.map(
        (h) => loadHistory(h).events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name,
      ),
    );
    assert.deepEqual([...types].sort(), ['candidateWorkflow', 'growWorkflow', 'searchWorkflow']);
    // Scripted activities make the stories deterministic; real ones make the payloads true.
    assert.ok(
      histories.some((h) => h.name.includes('-real')),
      'a history recorded from the production activities',
    );
  });

  test('each history replays without a nondeterminism error', async () => {
    const all = histories.map((h) => ({ workflowId: h.name, history: loadHistory(h) }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle }, all)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, histories.length);
    assert.deepEqual(failures, []);
  });

  test('a history whose commands differ from the code is caught', async () => {
    const history = load('v1/candidate-retry.json');
    const scheduled = history.events?.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'train',
    );
    assert.ok(scheduled?.activityTaskScheduledEventAttributes?.activityType);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'evaluate';
    await assert.rejects(Worker.runReplayHistory({ workflowBundle }, history, 'tampered'), {
      name: 'DeterminismViolationError',
    });
  });
});
