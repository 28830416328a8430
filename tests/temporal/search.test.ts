import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { SearchConfig } from '../../src/search/config';
import { SEARCH_ATTRIBUTES, TASK_QUEUES } from '../../src/temporal/config';
import { startSearch } from '../../src/temporal/client';
import {
  leaderboardQuery,
  pauseSignal,
  resumeSignal,
  searchWorkflow,
  setBudgetUpdate,
  statusQuery,
  stopSignal,
  type SearchInput,
} from '../../workflows';
import { runsOf, startTemporal, type TemporalTestEnv } from '../support/temporal';
import { scriptedActivities } from './activities';

let env: TemporalTestEnv;
before(async () => {
  env = await startTemporal();
});
after(async () => {
  await env?.stop();
});

function searchInput(experimentId: string, over: object = {}): SearchInput {
  const config = SearchConfig.parse({
    name: 'test',
    dataset: {},
    strategy: { kind: 'ga', population: 3, generations: 2 },
    ...over,
  });
  return { experimentId, experimentUri: `file:///tmp/netgrow-test/experiments/${experimentId}`, config };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('searchWorkflow on a real Temporal server', () => {
  test('a GA search of 2 generations × population 3 completes, one run per generation', async () => {
    const activities = scriptedActivities({ divergeAboveLr: { 'g1-c1': 0.01 } });
    const input = searchInput('search-ga');
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'generations');
    assert.equal(result.generations, 3, 'the start model and two generations');
    assert.equal(result.candidates, 7);
    assert.equal(activities.calls.mutate.length, 7);
    assert.equal(activities.calls.train.length, 8, 'one divergence retry');
    assert.ok(result.best && result.best.valAcc !== null);
    assert.equal(result.best.valAcc, Math.max(...result.leaderboard.map((e) => e.valAcc ?? 0)));
    assert.equal(result.reportUri, `${input.experimentUri}/report/index.html`);
    assert.deepEqual(
      activities.calls.report.map((r) => [r.reason, r.best]),
      [['generations', result.best.candidateId]],
    );
    // The test split: scored once, after the search, for the three best by validation accuracy.
    assert.ok(activities.calls.train.every((t) => t.spec.scoreTest === false));
    assert.equal(activities.calls.evaluate.length, 0);
    assert.equal(activities.calls.testFinalists.length, 1);
    const top3 = result.leaderboard.slice(0, 3).map((e) => e.candidateId);
    assert.deepEqual(
      activities.calls.testFinalists[0].finalists.map((f) => f.candidateId),
      top3,
    );
    assert.deepEqual(
      result.finalists?.map((f) => [f.candidateId, f.rank, f.testAcc !== null]),
      top3.map((id, i) => [id, i + 1, true]),
    );
    const tests = activities.lineage.filter((e) => e.type === 'test');
    assert.deepEqual(
      tests.map((e) => e.type === 'test' && e.candidate),
      top3,
    );
    // Generations 1 and 2 grow from the previous generation's candidates (or the elite).
    const parents = activities.calls.mutate.map((m) =>
      m.parent.kind === 'candidate' ? m.parent.candidateId : 'start',
    );
    assert.deepEqual(parents.slice(0, 4), ['start', 'g0-c0', 'g0-c0', 'g0-c0']);
    assert.ok(parents.slice(4).every((p) => /^g[01]-c\d$/.test(p)));

    const runs = await runsOf(env.client, 'search-ga');
    assert.equal(runs.length, 4, 'continueAsNew after generations 0, 1 and 2; the fourth run ends it');
    for (const run of runs.slice(0, 3)) {
      assert.ok(run.events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes, 'ends in continueAsNew');
    }

    const lineage = activities.lineage.map((e) => `${e.type}${'status' in e ? `:${e.status}` : ''}`);
    assert.equal(lineage.filter((e) => e === 'generation:started').length, 3);
    assert.equal(lineage.filter((e) => e === 'generation:finished').length, 3);
    assert.equal(lineage.filter((e) => e === 'selection').length, 2);
    assert.equal(lineage.filter((e) => e === 'training:diverged').length, 1);
    assert.equal(lineage.filter((e) => e === 'mutation').length, 6, 'one command per GA child');

    const handle = env.client.workflow.getHandle('search-ga');
    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.experimentId), 'search-ga');
    assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.strategy), 'ga');
    assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.dataset), 'fashion-mnist');
    assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.generation), 2);
    assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.bestValAcc), result.best.valAcc);
    assert.deepEqual(description.memo, {
      name: 'test',
      experimentUri: input.experimentUri,
      strategy: 'ga',
    });

    // Visibility lists the search and its candidates by experiment.
    await until(async () => {
      let count = 0;
      for await (const _ of env.client.workflow.list({ query: "NetgrowExperimentId = 'search-ga'" })) count++;
      return count === 4 + 7;
    }, 'visibility to list 4 search runs and 7 candidates');
  });

  test('queries: status while paused, leaderboard at the end; pause holds new candidates back', async () => {
    const activities = scriptedActivities();
    const input = searchInput('search-pause');
    await env.withWorkers(activities, async () => {
      const handle = await env.client.workflow.signalWithStart(searchWorkflow, {
        workflowId: 'search-pause',
        taskQueue: TASK_QUEUES.orchestration,
        args: [input],
        signal: pauseSignal,
        signalArgs: [],
      });
      const paused = await handle.query(statusQuery);
      assert.equal(paused.phase, 'paused');
      assert.equal(paused.generation, 0);
      assert.equal(paused.generations, 2);
      assert.deepEqual(paused.running, []);
      assert.equal(paused.candidates, 0);
      assert.deepEqual(paused.budget, { candidates: 40, wallTime: null, gpuHours: null });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(activities.calls.mutate.length, 0, 'nothing started while paused');

      await handle.signal(resumeSignal);
      const result = await handle.result();
      assert.equal(result.reason, 'generations');
      assert.equal(result.candidates, 7);

      const leaderboard = await handle.query(leaderboardQuery);
      assert.equal(leaderboard[0].candidateId, result.best?.candidateId);
      const accs = leaderboard.map((e) => e.valAcc ?? -1);
      assert.deepEqual(
        accs,
        [...accs].sort((a, b) => b - a),
        'best first',
      );
      const done = await handle.query(statusQuery);
      assert.equal(done.phase, 'finished');
      assert.equal(done.reason, 'generations');
    });
  });

  test('stop: the running candidate finishes, no new one starts, the report is written', async () => {
    const activities = scriptedActivities({ trainMs: 300 });
    const input = searchInput('search-stop', {
      strategy: { kind: 'ga', population: 3, generations: 5 },
      executor: { kind: 'process', parallelism: 1 },
    });
    const result = await env.withWorkers(activities, async () => {
      const handle = await startSearch(env.client, input);
      await until(async () => (await handle.query(statusQuery)).candidates >= 2, 'two candidates started');
      await handle.signal(stopSignal);
      return handle.result();
    });
    assert.equal(result.reason, 'stopped');
    assert.ok(result.candidates >= 2 && result.candidates <= 3, `${result.candidates} candidates`);
    assert.equal(
      activities.calls.train.length,
      result.candidates,
      'every started candidate finished training',
    );
    assert.deepEqual(
      activities.calls.report.map((r) => r.reason),
      ['stopped'],
    );
  });

  test('budget: the candidate limit trims the last generation and ends the search', async () => {
    const activities = scriptedActivities();
    const input = searchInput('search-budget', {
      strategy: { kind: 'hill', population: 3, generations: 5 },
      budget: { candidates: 5 },
    });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'budget: candidates');
    assert.equal(result.candidates, 5);
    assert.equal(activities.calls.mutate.at(-1)?.childId, 'g2-c0', 'generation 2 trimmed to one child');
  });

  test('candidates failing alike: after stopAfterSameFailures in a row the search ends with their error', async () => {
    // The start model trains; every child then fails the same way (as with a resource no node
    // offers), each naming itself: after 3 the search ends instead of trying the other 5.
    const activities = scriptedActivities({
      failTraining: (id) =>
        id === 'g0-c0' ? null : `run ${id}-a1: pod Pending: 0/1 nodes have nvidia.com/gpu`,
    });
    const input = searchInput('search-same-failure', {
      strategy: { kind: 'hill', population: 4, generations: 2 },
      executor: { kind: 'process', parallelism: 1 },
    });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'same-failure');
    assert.equal(result.candidates, 4, 'the start model and 3 children; 1 + 2 more never started');
    assert.deepEqual(result.sameFailure, {
      count: 3,
      error: 'train: run g1-c0-a1: pod Pending: 0/1 nodes have nvidia.com/gpu',
    });
    assert.equal(result.best?.candidateId, 'g0-c0');
    assert.deepEqual(
      activities.calls.report.map((r) => r.reason),
      ['same-failure'],
    );

    // A success between failures breaks the run: fail, train, fail never reaches a limit of 2.
    const mixed = scriptedActivities({
      failTraining: (id) => (id.endsWith('-c1') || id.endsWith('-c3') ? `run ${id}-a1: exit 137` : null),
    });
    const mixedInput = searchInput('search-mixed-failure', {
      ...input.config,
      strategy: { kind: 'hill', population: 4, generations: 1 },
      stopAfterSameFailures: 2,
    });
    const again = await env.withWorkers(mixed, async () =>
      (await startSearch(env.client, mixedInput)).result(),
    );
    assert.equal(again.reason, 'generations');
    assert.equal(again.candidates, 5);
    assert.equal(again.sameFailure, undefined);
  });

  test('budget: GPU-hours count every training run, and end the search', async () => {
    const activities = scriptedActivities();
    // Each scripted run takes 60 s: 0.05 h = 3 runs.
    const input = searchInput('search-gpu', { budget: { candidates: null, gpuHours: 0.05 } });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'budget: gpu-hours');
    assert.ok(result.candidates >= 3 && result.candidates <= 4, `${result.candidates} candidates`);
  });

  test('budget: GPU-hours are the device-seconds the executor measured, when results carry them', async () => {
    // Declared, a run would cost 60 s × 4 GPUs and 0.05 h (180 s) would end the search after
    // one; measured, each costs 20 s and the whole search (7 runs, 140 s) fits.
    const activities = scriptedActivities({ deviceSeconds: 20 });
    const input = searchInput('search-measured', {
      budget: { candidates: null, gpuHours: 0.05 },
      executor: { kind: 'kubernetes', gpus: 4, image: 'netgrow:test' },
    });
    const { result, status } = await env.withWorkers(activities, async () => {
      const handle = await startSearch(env.client, input);
      const result = await handle.result();
      return { result, status: await handle.query(statusQuery) };
    });
    assert.equal(result.reason, 'generations');
    assert.equal(result.candidates, 7);
    assert.ok(Math.abs(status.deviceHours * 3600 - 7 * 20) < 1e-9, `${status.deviceHours} h`);
  });

  test('budget: wall time ends the search', async () => {
    const activities = scriptedActivities({ trainMs: 300 });
    const input = searchInput('search-wall', {
      strategy: { kind: 'ga', population: 3, generations: 50 },
      budget: { wallTime: '1s' },
      executor: { kind: 'process', parallelism: 1 },
    });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'budget: wall-time');
    assert.ok(result.candidates < 10, `${result.candidates} candidates`);
  });

  test('setBudget: the validator refuses bad budgets with a sentence; a good one takes effect', async () => {
    const activities = scriptedActivities();
    const input = searchInput('search-setbudget', {
      strategy: { kind: 'random', population: 3, generations: 5 },
    });
    const result = await env.withWorkers(activities, async () => {
      const handle = await env.client.workflow.signalWithStart(searchWorkflow, {
        workflowId: 'search-setbudget',
        taskQueue: TASK_QUEUES.orchestration,
        args: [input],
        signal: pauseSignal,
        signalArgs: [],
      });
      const refused = await handle
        .executeUpdate(setBudgetUpdate, { args: [{ candidates: -1, wallTime: 'soon' }] })
        .then(
          () => assert.fail('accepted'),
          (e: unknown) => e,
        );
      assert.ok(refused instanceof WorkflowUpdateFailedError);
      assert.equal(
        (refused.cause as Error).message,
        'candidates: must be a positive integer or null, received -1; wallTime: must be a duration such as 90s, 30m, 2h or 1d12h or null, received "soon"',
      );
      const unknown = await handle
        .executeUpdate(setBudgetUpdate, { args: [{ candidatez: 3 } as object] })
        .catch((e: Error) => e);
      assert.match(
        (unknown as WorkflowUpdateFailedError).cause?.message ?? '',
        /^candidatez: unknown budget field/,
      );
      const budget = await handle.executeUpdate(setBudgetUpdate, {
        args: [{ candidates: 2, wallTime: '1h' }],
      });
      assert.deepEqual(budget, { candidates: 2, wallTime: '1h', gpuHours: null });
      await handle.signal(resumeSignal);
      return handle.result();
    });
    assert.equal(result.reason, 'budget: candidates');
    assert.equal(result.candidates, 2);
  });

  test('cancel: the search, its candidate and the running training are cancelled', async (t) => {
    const activities = scriptedActivities({ trainMs: 60_000 });
    const input = searchInput('search-cancel');
    const t0 = Date.now();
    const outcome = await env.withWorkers(activities, async () => {
      const handle = await startSearch(env.client, input);
      await until(async () => activities.calls.train.length === 1, 'training to start');
      await handle.cancel();
      return handle.result().catch((e: unknown) => e);
    });
    t.diagnostic(`cancellation reached the training after ${Date.now() - t0} ms`);
    assert.ok(
      outcome instanceof WorkflowFailedError && outcome.cause instanceof CancelledFailure,
      String(outcome),
    );
    assert.deepEqual(activities.calls.cancelled, ['g0-c0-a1']);
    const child = await env.client.workflow.getHandle('search-cancel.g0-c0').describe();
    assert.equal(child.status.name, 'CANCELLED');
  });
});
