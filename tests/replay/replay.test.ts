import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows } from '../../worker/index';
import { quietRuntime } from '../support/temporal';

// Histories recorded by tests/replay/record.ts. A change to the workflows that would make a
// running search fail on its next task (a nondeterminism error) fails here first.
const files = readdirSync(__dirname)
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (file: string) => historyFromJSON(JSON.parse(readFileSync(join(__dirname, file), 'utf8')));

let workflowBundle: WorkflowBundle;
before(async () => {
  quietRuntime();
  workflowBundle = await bundleWorkflows();
});

describe('replay of recorded histories against the current workflow code', () => {
  test('every workflow kind is covered', () => {
    const types = new Set(
      files.map((f) => load(f).events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name),
    );
    assert.deepEqual([...types].sort(), ['candidateWorkflow', 'growWorkflow', 'searchWorkflow']);
  });

  test('each history replays without a nondeterminism error', async () => {
    const histories = files.map((file) => ({ workflowId: file, history: load(file) }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });

  test('a history whose commands differ from the code is caught', async () => {
    const history = load('candidate-retry.json');
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
