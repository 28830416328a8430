import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SearchConfig } from '../../src/search/config';
import { startSearch } from '../../src/temporal/client';
import type { SearchInput } from '../../workflows';
import { controlEpochs } from '../../workflows/scratch';
import type { LeaderboardEntry } from '../../src/contracts/search';
import { runsOf, startTemporal, type TemporalTestEnv } from '../support/temporal';
import { scriptedActivities } from './activities';

// The search's controls on a real Temporal server with scripted activities: the scratch
// retrain of the winner, the size penalty in ranking, per-operation statistics in the result.
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
    strategy: { kind: 'ga', population: 2, generations: 2 },
    train: { epochs: 3 },
    ...over,
  });
  return { experimentId, experimentUri: `file:///tmp/netgrow-test/experiments/${experimentId}`, config };
}

describe('search controls', () => {
  test('scratch: the winner is retrained from random init for its lineage epochs and tested with the finalists', async () => {
    const activities = scriptedActivities();
    const input = searchInput('controls-scratch', { scratch: { enabled: true } });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'generations');
    const best = result.best!;
    // Generation g's candidates have g ancestors: 3 epochs each, its own run included.
    assert.equal(best.lineageEpochs, 3 * (best.generation + 1));
    assert.equal(result.candidates, 5, 'the control is not a candidate of the search');
    assert.ok(!result.leaderboard.some((e) => e.candidateId === 'scratch'));

    const mutate = activities.calls.mutate.find((m) => m.childId === 'scratch');
    assert.deepEqual(mutate?.parent, { kind: 'start', arch: `${best.checkpoint}/graph.json` });
    assert.deepEqual(mutate?.ops, [], 'no commands: the same graph, fresh weights');
    const train = activities.calls.train.filter((t) => t.candidateId === 'scratch');
    assert.equal(train.length, 1);
    assert.equal(train[0].spec.epochs, best.lineageEpochs);
    assert.equal(train[0].spec.scoreTest, false, 'scored on validation, like every candidate');

    // One test call: the three finalists, then the control.
    assert.equal(activities.calls.testFinalists.length, 1);
    const tested = activities.calls.testFinalists[0].finalists.map((f) => f.candidateId);
    assert.deepEqual(tested, [...result.leaderboard.slice(0, 3).map((e) => e.candidateId), 'scratch']);

    const scratch = result.scratch!;
    assert.equal(scratch.status, 'completed');
    assert.equal(scratch.epochs, best.lineageEpochs);
    assert.equal(scratch.grown.candidateId, best.candidateId);
    assert.equal(scratch.grown.valAcc, best.valAcc);
    assert.equal(scratch.grown.testAcc, result.finalists![0].testAcc);
    assert.equal(typeof scratch.valAcc, 'number');
    assert.equal(typeof scratch.testAcc, 'number');
    assert.equal(scratch.grown.lineageSeconds, 60 * (best.generation + 1), 'the scripted run takes 60 s');

    const last = activities.lineage.at(-1)!;
    assert.equal(last.type, 'scratch');
    assert.ok(last.type === 'scratch');
    assert.deepEqual(
      [last.candidate, last.of, last.epochs, last.valAcc, last.testAcc, last.grown.epochs],
      ['scratch', best.candidateId, scratch.epochs, scratch.valAcc, scratch.testAcc, best.lineageEpochs],
    );
    assert.ok(
      activities.lineage.some((e) => e.type === 'training' && e.candidate === 'scratch'),
      "the control's training run is in lineage like any other",
    );
    // Visible in history: the last search run scheduled the scratch candidate as a child.
    const runs = await runsOf(env.client, 'controls-scratch');
    const children = runs
      .at(-1)!
      .events.map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
      .filter(Boolean);
    assert.deepEqual(children, ['controls-scratch.scratch']);
  });

  test("scratch matched on FLOPs: the epochs the lineage's training FLOPs buy at the winner's size", async () => {
    const activities = scriptedActivities();
    const input = searchInput('controls-scratch-flops', { scratch: { enabled: true, match: 'flops' } });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    const best = result.best!;
    // Every scripted run counts 600 FLOPs per parameter per epoch (tests/temporal/activities.ts).
    assert.equal(best.epochFlops, 600 * best.params);
    const ancestry: LeaderboardEntry[] = [];
    for (let e: LeaderboardEntry | undefined = best; e;) {
      ancestry.push(e);
      const parentId: string | null = e.parentId;
      e = result.leaderboard.find((x) => x.candidateId === parentId);
    }
    assert.equal(ancestry.length, best.generation + 1, 'the whole lineage is on the leaderboard');
    const lineageFlops = ancestry.reduce((a, e) => a + 3 * 600 * e.params, 0);
    assert.equal(best.lineageTrainFlops, lineageFlops);
    const epochs = Math.max(1, Math.round(lineageFlops / (600 * best.params)));
    const scratch = result.scratch!;
    assert.equal(scratch.match, 'flops');
    assert.equal(scratch.epochs, epochs);
    assert.equal(activities.calls.train.find((t) => t.candidateId === 'scratch')!.spec.epochs, epochs);
    assert.equal(scratch.trainFlops, 600 * epochs * scratch.params); // scripted sizes: its own
    assert.equal(scratch.grown.lineageEpochs, best.lineageEpochs, 'the grown side keeps its own epochs');
    assert.equal(scratch.grown.lineageTrainFlops, lineageFlops);
    const event = activities.lineage.find((e) => e.type === 'scratch');
    assert.ok(event?.type === 'scratch');
    assert.deepEqual(
      [event.match, event.trainFlops, event.grown.trainFlops],
      ['flops', scratch.trainFlops, lineageFlops],
    );
  });

  test("scratch matched on wall time: the epochs the search's wall time buys at the winner's seconds per epoch", async () => {
    const activities = scriptedActivities();
    const input = searchInput('controls-scratch-wall', { scratch: { enabled: true, match: 'wall' } });
    const started = Date.now();
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    const elapsed = (Date.now() - started) / 1000;
    const best = result.best!;
    // A scripted run says it took 60 s for all its epochs.
    assert.equal(best.epochSeconds, 60 / best.epochs!);
    const scratch = result.scratch!;
    assert.equal(scratch.match, 'wall');
    // The search's wall time is at most this test's: the epochs it buys at 20 s each, at least 1.
    const most = Math.max(1, Math.round(elapsed / best.epochSeconds!));
    assert.ok(scratch.epochs >= 1 && scratch.epochs <= most, `${scratch.epochs} epochs in ${elapsed} s`);
    assert.equal(
      activities.calls.train.find((t) => t.candidateId === 'scratch')!.spec.epochs,
      scratch.epochs,
    );
  });

  test('the control epochs of each match, from the winner entry (and the search seconds)', () => {
    const winner = {
      lineageEpochs: 6,
      lineageTrainFlops: 9e9,
      epochFlops: 2e9,
      epochSeconds: 40,
    } as LeaderboardEntry;
    assert.equal(controlEpochs('epochs', winner), 6);
    assert.equal(controlEpochs('flops', winner), 5, '4.5 epochs of FLOPs, rounded half up');
    assert.equal(controlEpochs('wall', winner, 1000), 25);
    assert.equal(controlEpochs('wall', winner, 5), 1, 'at least one epoch');
    assert.equal(controlEpochs('wall', { ...winner, epochSeconds: undefined }, 1000), null, 'an older entry');
    assert.equal(controlEpochs('flops', { ...winner, epochFlops: 0 }), null);
  });

  test('scratch is off by default; operations are counted from lineage into the result', async () => {
    const activities = scriptedActivities();
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, searchInput('controls-default'))).result(),
    );
    assert.equal(result.scratch, undefined);
    assert.ok(!activities.calls.mutate.some((m) => m.childId === 'scratch'));
    const ops = result.operations!;
    assert.equal(
      ops.reduce((a, o) => a + o.chosen, 0),
      activities.lineage.filter((e) => e.type === 'mutation').length,
    );
    for (const o of ops) {
      assert.ok(o.compared <= o.chosen && o.beatParent <= o.compared, JSON.stringify(o));
      assert.equal(o.meanGain === null, o.compared === 0);
    }
  });

  test("continue controls: each parent also trains unchanged in its children's generation, in the leaderboard, lineage and statistics", async () => {
    const activities = scriptedActivities();
    const input = searchInput('controls-continue', {
      strategy: { kind: 'hill', population: 2, generations: 2 },
      controls: { continue: true },
    });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'generations');
    // g0-c0, then per generation 2 neighbours of the best and its continue control.
    assert.equal(result.candidates, 7);
    const controls = activities.lineage.filter((e) => e.type === 'control');
    assert.equal(controls.length, 2);
    for (const c of controls) {
      assert.ok(c.type === 'control');
      assert.equal(c.candidate, `g${c.generation}-c2`, 'after the grown children');
      const mutate = activities.calls.mutate.find((m) => m.childId === c.candidate)!;
      assert.deepEqual(mutate.ops, [], 'no command: the parent unchanged');
      assert.deepEqual(mutate.parent.kind, 'candidate');
      assert.ok(mutate.parent.kind === 'candidate' && mutate.parent.candidateId === c.of);
      const grown = activities.calls.mutate.filter(
        (m) => m.childId.startsWith(`g${c.generation}-`) && m.childId !== c.candidate,
      );
      assert.ok(grown.every((m) => m.parent.kind === 'candidate' && m.parent.candidateId === c.of));
      const train = activities.calls.train.find((t) => t.candidateId === c.candidate)!;
      const sibling = activities.calls.train.find((t) => t.candidateId === `g${c.generation}-c0`)!;
      assert.equal(train.spec.epochs, sibling.spec.epochs, 'the same epochs as its grown siblings');
    }
    assert.deepEqual(
      result.leaderboard
        .filter((e) => e.control === 'continue')
        .map((e) => e.candidateId)
        .sort(),
      ['g1-c2', 'g2-c2'],
      'the controls are candidates of the leaderboard, marked as such',
    );
    const ops = result.operations!;
    assert.ok(ops.length > 0 && ops.every((o) => o.againstControl !== undefined), JSON.stringify(ops));
    assert.equal(
      ops.reduce((a, o) => a + o.againstControl!.compared, 0),
      ops.reduce((a, o) => a + o.compared, 0),
      'every grown child had its control',
    );
  });

  test('no feasible growth: after a child finds no feasible mutation, its architecture gets only continue controls', async () => {
    // Every sampled mutation fails; the start model (explicit, empty commands) does not.
    const activities = scriptedActivities({ noGrowthAbove: 0 });
    const input = searchInput('controls-no-growth', {
      strategy: { kind: 'hill', population: 2, generations: 3 },
      controls: { continue: true },
    });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'generations');
    // g0-c0; generation 1: two grown children that fail at their mutation and the control;
    // generations 2 and 3: the control alone (of g1-c2 or g0-c0: one architecture).
    assert.deepEqual(activities.calls.mutate.map((m) => m.childId).sort(), [
      'g0-c0',
      'g1-c0',
      'g1-c1',
      'g1-c2',
      'g2-c2',
      'g3-c2',
    ]);
    assert.equal(result.candidates, 6);
    const failed = result.leaderboard.filter((e) => e.status === 'failed');
    assert.deepEqual(failed.map((e) => e.candidateId).sort(), ['g1-c0', 'g1-c1']);
    assert.ok(
      failed.every((e) => e.noFeasibleMutation === true && /no feasible mutation/.test(e.error ?? '')),
    );
    const started = activities.lineage.filter((e) => e.type === 'generation' && e.status === 'started');
    const noGrowth = started.map((e) => (e.type === 'generation' ? (e.noGrowth ?? []) : []));
    assert.deepEqual(noGrowth.slice(0, 2), [[], []], 'generations 0 and 1 drew their children');
    assert.equal(noGrowth[2].length, 1, JSON.stringify(started));
    assert.equal(noGrowth[3].length, 1, JSON.stringify(started));
    assert.deepEqual(
      activities.calls.train.map((t) => t.candidateId),
      ['g0-c0', 'g1-c2', 'g2-c2', 'g3-c2'],
      'the lineage still trains to the end of its schedule',
    );
  });

  test('no feasible growth without controls: the search ends with no-feasible-growth', async () => {
    const activities = scriptedActivities({ noGrowthAbove: 0 });
    const input = searchInput('no-growth-end', { strategy: { kind: 'hill', population: 2, generations: 4 } });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'no-feasible-growth');
    assert.equal(result.candidates, 3);
    assert.equal(result.best?.candidateId, 'g0-c0');
  });

  test('a parameter penalty ranks by val acc − λ·log10(params), recorded on entries and training events', async () => {
    const activities = scriptedActivities();
    const lambda = 0.2;
    const input = searchInput('controls-penalty', { ranking: { penalty: { params: lambda } } });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    for (const e of result.leaderboard) {
      assert.ok(e.score !== undefined && e.valAcc !== null);
      assert.ok(Math.abs(e.score - (e.valAcc - lambda * Math.log10(e.params))) < 1e-12);
    }
    const scores = result.leaderboard.map((e) => e.score!);
    assert.deepEqual(
      scores,
      [...scores].sort((a, b) => b - a),
      'ranked by score',
    );
    // The winner is the best by score, which need not be the most accurate.
    assert.equal(result.best?.candidateId, result.leaderboard[0].candidateId);
    const selections = activities.lineage.filter((e) => e.type === 'selection');
    assert.ok(selections.length > 0);
    assert.ok(
      selections.every((e) => e.type === 'selection' && e.criterion === `val_acc - ${lambda}*log10(params)`),
    );
    const completed = activities.lineage.filter((e) => e.type === 'training' && e.status === 'completed');
    assert.ok(completed.every((e) => e.type === 'training' && typeof e.metrics?.score === 'number'));
  });

  test('a FLOP penalty uses the FLOPs the mutate activity counted', async () => {
    const activities = scriptedActivities();
    const input = searchInput('controls-flops', {
      strategy: { kind: 'ga', population: 2, generations: 1 },
      ranking: { penalty: { flops: 0.01 } },
    });
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    for (const e of result.leaderboard) {
      assert.equal(e.flops, e.params * 50);
      assert.ok(Math.abs(e.score! - (e.valAcc! - 0.01 * Math.log10(e.flops!))) < 1e-12);
    }
  });
});
