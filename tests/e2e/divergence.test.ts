/**
 * A candidate forced to diverge by an absurd learning rate: the real trainer reports a
 * `diverged` result, the candidate workflow trains it again as a new run with the schedule's
 * adjusted learning rate, and the adjustment is in the workflow history and the lineage.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainActivityInput } from '../../src/contracts/activities';
import { experimentRecord } from '../../src/experiment/experiment';
import { openStore } from '../../src/storage';
import { activityInputs } from '../support/temporal';
import {
  candidateFiles,
  lineageOf,
  parseConfig,
  processActivities,
  searchToEnd,
  serverAndScratch,
  tinyConfig,
  trainResults,
} from './support';

const fx = serverAndScratch('diverge');

test('a diverging run is retried with the adjusted learning rate, visibly in history', async () => {
  const { env, dir } = fx;
  const config = parseConfig(
    tinyConfig({
      name: 'diverge',
      train: { epochs: 1, batchSize: 32, optimizer: { kind: 'sgd', lr: 50, momentum: 0.9 } },
      divergence: { retries: [{ lrScale: 0.001 }] },
      budget: { candidates: 1 },
    }),
  );
  const record = experimentRecord('search', 'diverge-e2e', `file://${dir}/runs`, config);
  const result = await searchToEnd(env, processActivities(1), record, config);
  assert.equal(result.reason, 'budget: candidates');
  assert.equal(result.best?.candidateId, 'g0-c0', 'trained after the retry');

  const history = (await env.client.workflow.getHandle('diverge-e2e.g0-c0').fetchHistory()).events ?? [];
  const inputs = activityInputs<TrainActivityInput>(history, 'train');
  assert.deepEqual(
    inputs.map((i) => [i.attempt, i.spec.runId, i.spec.optimizer?.lr, i.adjustment]),
    [
      [1, 'g0-c0-a1', 50, {}],
      [2, 'g0-c0-a2', 50 * 0.001, { lrScale: 0.001 }],
    ],
  );
  const outcomes = trainResults(history);
  assert.deepEqual(
    outcomes.map((r) => r.status),
    ['diverged', 'completed'],
  );
  assert.match(outcomes[0].diverged!.reason, /NaN|Inf|exceeds/);

  const exp = openStore(record.experimentUri);
  const [candidate] = await candidateFiles(exp);
  assert.deepEqual(candidate.runs, ['g0-c0-a1', 'g0-c0-a2']);
  const training = (await lineageOf(exp)).filter((e) => e.type === 'training');
  assert.deepEqual(
    training.map((e) => [e.runId, e.status, e.attempt, e.adjustment]),
    [
      ['g0-c0-a1', 'diverged', 1, {}],
      ['g0-c0-a2', 'completed', 2, { lrScale: 0.001 }],
    ],
  );
});
