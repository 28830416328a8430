/**
 * Regenerates the recorded histories that replay.test.ts replays against the current
 * workflow code: `npx tsx tests/replay/record.ts`. Run it after a deliberate, patched()
 * -guarded change to the workflows, and commit the new files beside the old ones, renamed
 * with the next version (`search-ga.v2.run1.json`, `grow.v2.json`, …) — old histories stay,
 * because searches started by the old code may still be running.
 *
 * Each scenario runs on a fresh dev server with the scripted activities and saves every run
 * of its workflow (and, for a search, one candidate child) as `<name>.json`, in the JSON
 * form `temporal workflow show --output json` also writes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { format, resolveConfig } from 'prettier';
import { parseSearchConfig } from '../../src/experiment/prepare';
import { startGrow, startSearch } from '../../src/temporal/client';
import { TASK_QUEUES } from '../../src/temporal/config';
import {
  pauseSignal,
  resumeSignal,
  searchWorkflow,
  setBudgetUpdate,
  statusQuery,
  stopSignal,
} from '../../workflows';
import { startTemporal, type TemporalTestEnv } from '../support/temporal';
import { scriptedActivities } from '../temporal/activities';

const uri = (id: string) => `file:///tmp/netgrow-replay/experiments/${id}`;

async function save(env: TemporalTestEnv, workflowId: string, name: string): Promise<string[]> {
  const written: string[] = [];
  const description = await env.client.workflow.getHandle(workflowId).describe();
  let runId: string | undefined = description.raw.workflowExecutionInfo?.firstRunId ?? description.runId;
  for (let run = 1; runId; run++) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const file = `${name}${run > 1 || history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes ? `.run${run}` : ''}.json`;
    const path = join(__dirname, file);
    // Formatted as the repository's prettier check expects.
    await writeFile(
      path,
      await format(historyToJSON(history), { ...(await resolveConfig(path)), parser: 'json' }),
    );
    written.push(file);
    runId =
      history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return written;
}

async function main(): Promise<void> {
  const env = await startTemporal();
  const files: string[] = [];
  try {
    // A GA search (2 generations × 3) with a divergence retry, paused at start, its budget
    // changed by an update, then resumed: signals, an update and continueAsNew in one story.
    const ga = await parseSearchConfig(
      { name: 'replay', dataset: {}, strategy: { kind: 'ga', population: 3, generations: 2 } },
      'record',
    );
    await env.withWorkers(scriptedActivities({ divergeAboveLr: { 'g1-c1': 0.01 } }), async () => {
      const handle = await env.client.workflow.signalWithStart(searchWorkflow, {
        workflowId: 'replay-ga',
        taskQueue: TASK_QUEUES.orchestration,
        args: [{ experimentId: 'replay-ga', experimentUri: uri('replay-ga'), config: ga }],
        signal: pauseSignal,
        signalArgs: [],
      });
      await handle.query(statusQuery);
      await handle.executeUpdate(setBudgetUpdate, { args: [{ candidates: 30 }] });
      await handle.signal(resumeSignal);
      await handle.result();
    });
    files.push(...(await save(env, 'replay-ga', 'search-ga')));
    files.push(...(await save(env, 'replay-ga.g1-c1', 'candidate-retry')));

    // A hill climb stopped part-way.
    const hill = await parseSearchConfig(
      {
        name: 'replay',
        dataset: {},
        strategy: { kind: 'hill', population: 2, generations: 20 },
        executor: { kind: 'process', parallelism: 1 },
      },
      'record',
    );
    await env.withWorkers(scriptedActivities({ trainMs: 200 }), async () => {
      const handle = await startSearch(env.client, {
        experimentId: 'replay-stop',
        experimentUri: uri('replay-stop'),
        config: hill,
      });
      while ((await handle.query(statusQuery)).candidates < 3) await new Promise((r) => setTimeout(r, 100));
      await handle.signal(stopSignal);
      await handle.result();
    });
    files.push(...(await save(env, 'replay-stop', 'search-stopped')));

    // The seed's kind of plan, grown stage by stage.
    const plan = await parseSearchConfig(
      {
        name: 'replay',
        dataset: {},
        start: { arch: 'seed-teacher' },
        strategy: { kind: 'plan', stages: ['deeper conv2; deeper fc1', 'wider conv2 x2'] },
      },
      'record',
    );
    await env.withWorkers(scriptedActivities(), async () => {
      await (
        await startGrow(env.client, {
          experimentId: 'replay-grow',
          experimentUri: uri('replay-grow'),
          config: plan,
        })
      ).result();
    });
    files.push(...(await save(env, 'replay-grow', 'grow')));
  } finally {
    await env.stop();
  }
  console.log(`wrote ${files.length} histories to ${__dirname}: ${files.join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
