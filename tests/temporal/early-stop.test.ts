/**
 * Early stopping within a generation on a real Temporal server with scripted activities: each
 * child of a generation pauses at its rung, the search judges it on arrival, records the
 * decision in lineage and signals it back; a stopped child ends with its rung checkpoint, a
 * continued one resumes the same run. Parallelism 1 makes the arrival order the child order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EarlyStopEvent } from '../../src/contracts/lineage';
import { SearchConfig } from '../../src/search/config';
import { median } from '../../src/search/early-stop';
import { startSearch } from '../../src/temporal/client';
import type { SearchInput } from '../../workflows';
import { runsOf, startTemporal, type TemporalTestEnv } from '../support/temporal';
import { scriptedActivities } from './activities';

let env: TemporalTestEnv;
before(async () => {
  env = await startTemporal();
});
after(async () => {
  await env?.stop();
});

function searchInput(experimentId: string, earlyStop: object | null): SearchInput {
  const config = SearchConfig.parse({
    name: 'test',
    dataset: {},
    strategy: { kind: 'ga', population: 5, generations: 1 },
    train: { epochs: 3 },
    executor: { kind: 'process', parallelism: 1 },
    earlyStop,
  });
  return { experimentId, experimentUri: `file:///tmp/netgrow-test/experiments/${experimentId}`, config };
}

async function run(id: string, earlyStop: object | null) {
  const activities = scriptedActivities();
  const result = await env.withWorkers(activities, async () =>
    (await startSearch(env.client, searchInput(id, earlyStop))).result(),
  );
  const decisions = activities.lineage.filter((e) => e.type === 'early-stop') as EarlyStopEvent[];
  return { activities, result, decisions };
}

describe('early stopping within a generation', () => {
  test('median rule: below the median of the earlier rung scores stops; the rest train on', async () => {
    const { activities, result, decisions } = await run('early-median', {
      rule: 'median',
      afterEpochs: 1,
      minPeers: 1,
    });
    // Generation 0 is the start model alone: nobody to judge it against, no rung.
    assert.deepEqual(
      decisions.map((d) => d.candidate),
      ['g1-c0', 'g1-c1', 'g1-c2', 'g1-c3', 'g1-c4'],
    );
    decisions.forEach((d, i) => {
      const earlier = decisions.slice(0, i).map((e) => e.valAcc as number);
      assert.equal(d.peers, i);
      assert.equal(d.epoch, 1);
      if (i < 1) assert.deepEqual([d.decision, d.threshold], ['continue', null], 'fewer than minPeers');
      else {
        assert.equal(d.threshold, median(earlier));
        assert.equal(d.decision, (d.valAcc as number) >= median(earlier) ? 'continue' : 'stop');
      }
    });
    const stopped = decisions.filter((d) => d.decision === 'stop').map((d) => d.candidate);
    assert.ok(stopped.length > 0, 'this seed stops someone');
    for (const d of decisions) {
      const calls = activities.calls.train.filter((t) => t.candidateId === d.candidate);
      const entry = result.leaderboard.find((e) => e.candidateId === d.candidate) ?? null;
      assert.equal(calls[0].spec.pauseAfterEpoch, 1);
      if (d.decision === 'stop') {
        assert.equal(calls.length, 1, `${d.candidate} is not trained on`);
        if (entry) {
          assert.deepEqual([entry.status, entry.valAcc, entry.epochs], ['stopped', d.valAcc, 1]);
          assert.match(entry.checkpoint!, /epochs\/1$/, 'its rung checkpoint is kept');
        }
      } else {
        assert.equal(calls.length, 2, `${d.candidate} resumes`);
        assert.equal(calls[1].spec.pauseAfterEpoch, undefined);
        assert.equal(calls[1].spec.runId, calls[0].spec.runId, 'the same run, resumed');
        assert.equal(entry?.status, 'completed');
      }
    }
    assert.ok(!stopped.includes(result.best!.candidateId));
    const stoppedTraining = activities.lineage.filter((e) => e.type === 'training' && e.status === 'stopped');
    assert.equal(stoppedTraining.length, decisions.length, 'every rung pause is a training event');

    // In the histories: the reports and verdicts are signals.
    const search = (await runsOf(env.client, 'early-median')).flatMap((r) => r.events);
    const reached = search.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'rungReached',
    );
    assert.equal(reached.length, decisions.length);
    const sent = search.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes);
    assert.equal(sent.length, decisions.length);
    const [child] = await runsOf(env.client, `early-median.${stopped[0]}`);
    assert.ok(
      child.events.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'rungVerdict'),
    );
  });

  test('halving: only the best half of the rung scores so far go on', async () => {
    const { decisions } = await run('early-halving', { rule: 'halving', afterEpochs: 1, keep: 0.5 });
    assert.equal(decisions.length, 5);
    decisions.forEach((d, i) => {
      const all = [...decisions.slice(0, i + 1).map((e) => e.valAcc as number)].sort((a, b) => b - a);
      const threshold = all[Math.ceil(all.length / 2) - 1];
      assert.equal(d.threshold, threshold);
      assert.equal(d.decision, (d.valAcc as number) >= threshold ? 'continue' : 'stop');
    });
    assert.equal(decisions[0].decision, 'continue', 'the first to arrive is the best so far');
  });

  test('off by default: no rung, one training call per candidate', async () => {
    const { activities, decisions } = await run('early-off', null);
    assert.equal(decisions.length, 0);
    assert.ok(activities.calls.train.every((t) => t.spec.pauseAfterEpoch === undefined));
  });
});
