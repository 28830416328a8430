/**
 * Records the histories that replay.test.ts replays against the current workflow code, into
 * a new version folder: `npx tsx tests/replay/record.ts v3 [scenario...]`. Run it after a
 * released, patched()-guarded change to the workflows (docs/RELIABILITY.md, "Versioning") and
 * commit the folder beside the old ones. A file that exists is never overwritten: searches
 * started by older code may still be running, so their histories must keep replaying.
 *
 * The scenarios `ga`, `stop`, `grow`, `oom` and `controls` run the scripted activities (signals,
 * an update, continueAsNew, a divergence retry, an OOM retry with a smaller batch, early-stop
 * rungs, the scratch control, deterministically); `real` and `controls-real` run a small search with the
 * production activities (process executor, tfjs training, file:// storage), so the recorded
 * payloads are what real activities return. Each saves every run of its workflow (and, for a
 * search, a candidate child) as `<name>.json`, in the JSON form of `temporal workflow show
 * --output json`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { format, resolveConfig } from 'prettier';
import { experimentRecord, writeExperimentRecord } from '../../src/experiment/experiment';
import { parseSearchConfig } from '../../src/experiment/prepare';
import type { SearchConfig } from '../../src/search/config';
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
import { parseConfig, processActivities, tinyConfig } from '../e2e/support';
import { startTemporal, type TemporalTestEnv } from '../support/temporal';
import { scriptedActivities } from '../temporal/activities';

const uri = (id: string) => `file:///tmp/netgrow-replay/experiments/${id}`;

let outDir = __dirname;

async function save(env: TemporalTestEnv, workflowId: string, name: string): Promise<string[]> {
  const written: string[] = [];
  const description = await env.client.workflow.getHandle(workflowId).describe();
  let runId: string | undefined = description.raw.workflowExecutionInfo?.firstRunId ?? description.runId;
  for (let run = 1; runId; run++) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const file = `${name}${run > 1 || history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes ? `.run${run}` : ''}.json`;
    const path = join(outDir, file);
    // Formatted as the repository's prettier check expects; 'wx': never over a committed file.
    await writeFile(
      path,
      await format(historyToJSON(history), { ...(await resolveConfig(path)), parser: 'json' }),
      { flag: 'wx' },
    );
    written.push(file);
    runId =
      history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return written;
}

/** A search under scripted activities, started and awaited to its end. */
async function searchToEnd(
  env: TemporalTestEnv,
  activities: ReturnType<typeof scriptedActivities>,
  experimentId: string,
  config: SearchConfig,
): Promise<void> {
  await env.withWorkers(activities, async () => {
    await (
      await startSearch(env.client, { experimentId, experimentUri: uri(experimentId), config })
    ).result();
  });
}

async function main(): Promise<void> {
  const [version, ...only] = process.argv.slice(2);
  if (!version || !/^v\d+$/.test(version))
    throw new Error('usage: record.ts v<N> [ga|stop|grow|oom|controls|controls-real|real ...]');
  outDir = join(__dirname, version);
  await mkdir(outDir, { recursive: true });
  const wanted = (scenario: string) => only.length === 0 || only.includes(scenario);
  const env = await startTemporal();
  const files: string[] = [];
  try {
    // A GA search (2 generations × 3) with a divergence retry, paused at start, its budget
    // changed by an update, then resumed: signals, an update and continueAsNew in one story.
    if (wanted('ga')) {
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
    }

    // A hill climb stopped part-way.
    if (wanted('stop')) {
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
    }

    // The seed's kind of plan, grown stage by stage.
    if (wanted('grow')) {
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
    }

    // A GA whose executor measures device-seconds (as the pod executor does) and whose run is
    // killed for memory once: the candidate trains it again with half the batch.
    if (wanted('oom')) {
      const ga = await parseSearchConfig(
        {
          name: 'replay',
          dataset: {},
          strategy: { kind: 'ga', population: 2, generations: 1 },
          executor: { kind: 'kubernetes', image: 'netgrow:replay' },
        },
        'record',
      );
      const activities = scriptedActivities({ deviceSeconds: 20, outOfMemory: { 'g1-c0-a1': 1 } });
      await searchToEnd(env, activities, 'replay-oom', ga);
      files.push(...(await save(env, 'replay-oom', 'search-oom')));
      files.push(...(await save(env, 'replay-oom.g1-c0', 'candidate-oom')));
    }

    // The search's controls (v3): children judged at an early-stop rung (one stopped, others
    // resumed), a parameter penalty in ranking, and the winner retrained from scratch.
    if (wanted('controls')) {
      const controls = await parseSearchConfig(
        {
          name: 'replay',
          dataset: {},
          strategy: { kind: 'ga', population: 3, generations: 2 },
          train: { epochs: 3 },
          executor: { kind: 'process', parallelism: 1 },
          earlyStop: { rule: 'median', afterEpochs: 1, minPeers: 1 },
          ranking: { penalty: { params: 0.01 } },
          scratch: { enabled: true },
        },
        'record',
      );
      const activities = scriptedActivities();
      await searchToEnd(env, activities, 'replay-controls', controls);
      files.push(...(await save(env, 'replay-controls', 'search-controls')));
      files.push(...(await save(env, 'replay-controls.scratch', 'candidate-scratch')));
      for (const e of activities.lineage) {
        if (e.type !== 'early-stop') continue;
        const name = `candidate-rung-${e.decision}`;
        if (!files.includes(`${name}.json`))
          files.push(...(await save(env, `replay-controls.${e.candidate}`, name)));
      }
    }

    // The controls with real activities: rung pauses in `netgrow train` processes, the scratch retrain.
    if (wanted('controls-real')) {
      const scratch = await mkdtemp(join(tmpdir(), 'netgrow-record-'));
      try {
        const config = parseConfig(
          tinyConfig({
            name: 'replay-controls-real',
            strategy: { kind: 'ga', population: 3, generations: 1 },
            earlyStop: { rule: 'halving', afterEpochs: 1, keep: 0.5 },
            scratch: { enabled: true },
          }),
        );
        const record = experimentRecord('search', 'replay-controls-real', `file://${scratch}/runs`, config);
        await writeExperimentRecord(record);
        await env.withWorkers(processActivities(2), async () => {
          const handle = await startSearch(env.client, {
            experimentId: record.id,
            experimentUri: record.experimentUri,
            config,
          });
          await handle.result();
        });
        files.push(...(await save(env, 'replay-controls-real', 'search-controls-real')));
        files.push(...(await save(env, 'replay-controls-real.g1-c0', 'candidate-controls-real')));
        files.push(...(await save(env, 'replay-controls-real.scratch', 'candidate-scratch-real')));
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }

    // Real activities: a tiny GA on synthetic images, trained in `netgrow train` processes.
    if (wanted('real')) {
      const scratch = await mkdtemp(join(tmpdir(), 'netgrow-record-'));
      try {
        const config = parseConfig(
          tinyConfig({ name: 'replay-real', strategy: { kind: 'ga', population: 2, generations: 1 } }),
        );
        const record = experimentRecord('search', 'replay-real', `file://${scratch}/runs`, config);
        await writeExperimentRecord(record);
        await env.withWorkers(processActivities(2), async () => {
          const handle = await startSearch(env.client, {
            experimentId: record.id,
            experimentUri: record.experimentUri,
            config,
          });
          await handle.result();
        });
        files.push(...(await save(env, 'replay-real', 'search-real')));
        files.push(...(await save(env, 'replay-real.g1-c0', 'candidate-real')));
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }
  } finally {
    await env.stop();
  }
  console.log(`wrote ${files.length} histories to ${outDir}: ${files.join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
