import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { SearchConfig } from '../../src/search/config';
import { startSearch } from '../../src/temporal/client';
import type { SearchInput } from '../../workflows';
import { runsOf, startTemporal, type TemporalTestEnv } from '../support/temporal';
import { scriptedActivities } from './activities';

// A server that suggests continueAsNew once a run's history passes 40 events, so that a
// single generation of 8 candidates has to be handed over to a new run part-way through.
let env: TemporalTestEnv;
before(async () => {
  env = await startTemporal({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } });
});
after(async () => {
  await env?.stop();
});

describe('continueAsNew when the server suggests it', () => {
  test('a long generation is handed over mid-way; every candidate runs exactly once', async () => {
    const config = SearchConfig.parse({
      name: 'can',
      dataset: {},
      strategy: { kind: 'ga', population: 8, generations: 1 },
      executor: { kind: 'process', parallelism: 1 },
    });
    const input: SearchInput = {
      experimentId: 'search-can',
      experimentUri: 'file:///tmp/netgrow-test/experiments/search-can',
      config,
    };
    const activities = scriptedActivities();
    const result = await env.withWorkers(activities, async () =>
      (await startSearch(env.client, input)).result(),
    );
    assert.equal(result.reason, 'generations');
    assert.equal(result.candidates, 9);
    const children = activities.calls.mutate.map((m) => m.childId);
    assert.deepEqual(children, ['g0-c0', ...Array.from({ length: 8 }, (_, i) => `g1-c${i}`)]);

    const runs = await runsOf(env.client, 'search-can');
    const inputs = runs.map((r) => {
      const started = r.events[0].workflowExecutionStartedEventAttributes;
      return defaultPayloadConverter.fromPayload<SearchInput>(started!.input!.payloads![0]);
    });
    const handedOver = inputs.filter((i) => i.state?.pending);
    assert.ok(handedOver.length >= 1, `${runs.length} runs, none took over a generation part-way`);
    for (const i of handedOver) {
      assert.equal(i.state?.generation, 1);
      assert.ok(i.state!.pending!.every((c) => /^g1-c\d$/.test(c.childId)));
    }
    assert.ok(
      runs.every((r) => r.events.length < 120),
      'every run stays short',
    );
    const lineage = activities.lineage.map(
      (e) => `${e.type}:${'status' in e ? e.status : ''}:${'generation' in e ? e.generation : ''}`,
    );
    assert.deepEqual(
      lineage.filter((e) => e.startsWith('generation:')),
      ['generation:started:0', 'generation:finished:0', 'generation:started:1', 'generation:finished:1'],
    );
  });
});
