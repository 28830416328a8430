/**
 * A search outlives a deploy (docs/RELIABILITY.md, "Versioning"): a search runs on today's
 * workflow code; its worker stops while a candidate is in flight; a worker with changed code
 * (a decision added behind patched()) takes over and completes the search. Candidates that
 * began before the deploy finish without the new decision, those begun after take it, and
 * every committed history of every released version still replays on the new code — while
 * the same change without patched() fails to replay them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { parseSearchConfig } from '../../src/experiment/prepare';
import { startSearch } from '../../src/temporal/client';
import { bundleWorkflows, startWorkers } from '../../worker/index';
import { experimentHistories } from '../e2e/support';
import { startTemporal, type TemporalTestEnv } from '../support/temporal';
import { within } from '../support/until';
import { scriptedActivities } from '../temporal/activities';
import { PATCH_ID } from './deploy/patched';
import { committedHistories, loadHistory } from './histories';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let env: TemporalTestEnv;
let today: WorkflowBundle;
let deployed: WorkflowBundle;
let unpatched: WorkflowBundle;
before(async () => {
  env = await startTemporal();
  const bundle = async (file: string) => ({
    code: (await bundleWorkflowCode({ workflowsPath: join(__dirname, 'deploy', file), logger: silent })).code,
  });
  [today, deployed, unpatched] = await Promise.all([
    bundleWorkflows(),
    bundle('patched.ts'),
    bundle('unpatched.ts'),
  ]);
});
after(async () => {
  await env?.stop();
});

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

async function workersOn(workflowBundle: WorkflowBundle, activities: ReturnType<typeof scriptedActivities>) {
  const connection = await NativeConnection.connect({ address: env.server.address });
  const workers = await startWorkers({ connection, activities, trainingSlots: 2, workflowBundle });
  return {
    async stop() {
      await workers.shutdown();
      await connection.close();
    },
  };
}

/** Whether the history recorded this test's patch (today's code has patches of its own). */
const hasPatch = (events: HistoryEvent[]) =>
  events.some((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return false;
    const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
    return (
      data !== undefined && data !== null && Buffer.from(data).toString().includes(JSON.stringify(PATCH_ID))
    );
  });

test('a running search completes on a worker with patched() code; old histories still replay', async (t) => {
  const config = await parseSearchConfig(
    { name: 'deploy', dataset: {}, strategy: { kind: 'ga', population: 2, generations: 2 } },
    'versioning',
  );
  const activities = scriptedActivities({ trainMs: 1500 });
  const old = await workersOn(today, activities);
  const handle = await startSearch(env.client, {
    experimentId: 'deploy-1',
    experimentUri: 'file:///tmp/netgrow-versioning/experiments/deploy-1',
    config,
  });
  // The deploy lands while a first-generation child trains.
  const deadline = Date.now() + 60_000;
  while (!activities.calls.train.some((c) => c.candidateId.startsWith('g1-'))) {
    assert.ok(Date.now() < deadline, 'a g1 candidate to start training');
    await new Promise((r) => setTimeout(r, 50));
  }
  const inFlight = activities.calls.train.find((c) => c.candidateId.startsWith('g1-'))!.candidateId;
  await old.stop();
  const described = await env.client.workflow.getHandle(`deploy-1.${inFlight}`).describe();
  assert.equal(described.status.name, 'RUNNING', `${inFlight} is in flight at the deploy`);

  const next = await workersOn(deployed, activities);
  try {
    const result = await within(handle.result(), 120_000, 'the search to finish on the deployed workers');
    assert.equal(result.candidates, 5);
  } finally {
    await next.stop();
  }

  const byId = new Map<string, HistoryEvent[]>();
  for (const events of await experimentHistories(env.client, 'deploy-1')) {
    const id = events[0].workflowExecutionStartedEventAttributes?.workflowType?.name;
    if (id !== 'candidateWorkflow') continue;
    const input = events[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    const { child } = JSON.parse(Buffer.from(input!).toString()) as { child: { childId: string } };
    byId.set(child.childId, events);
  }
  t.diagnostic(`in flight at the deploy: ${inFlight}; candidates: ${[...byId.keys()].sort().join(', ')}`);
  assert.equal(byId.size, 5);
  assert.equal(hasPatch(byId.get('g0-c0')!), false, 'finished before the deploy: old code');
  assert.equal(
    hasPatch(byId.get(inFlight)!),
    false,
    'in flight: completed by the new worker without the new decision',
  );
  for (const id of ['g2-c0', 'g2-c1'])
    assert.equal(hasPatch(byId.get(id)!), true, `${id} began after: new code`);
  assert.equal(PATCH_ID, 'test-candidate-settle-timer');

  // Every released version's histories and this search's own replay on the new code.
  const mine = [...byId.entries()].map(([id, events]) => ({ workflowId: id, history: { events } }));
  const committed = committedHistories().map((h) => ({ workflowId: h.name, history: loadHistory(h) }));
  const failures: string[] = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: deployed }, [...committed, ...mine])) {
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  }
  assert.deepEqual(failures, []);

  // Negative control: the same change without patched() breaks a history recorded before it.
  const v1Candidate = committedHistories().find((h) => h.name === 'v1/candidate-retry.json')!;
  await assert.rejects(Worker.runReplayHistory({ workflowBundle: unpatched }, loadHistory(v1Candidate)), {
    name: 'DeterminismViolationError',
  });
});
