/**
 * What orchestration costs per candidate, with training made trivial: a GA search of
 * 1 + population × generations candidates (default 1 + 20 × 10 = 201) through a real embedded
 * Temporal dev server, real activities and storage, the `inprocess` executor, a tiny convnet
 * (the seed's GA start with 8 filters) on 8x8 synthetic images and one optimizer step per
 * run. Prints (or --json):
 *   - wall time per candidate and the overhead beyond training (wall − Σ training) / N,
 *     with where the time went (mutate, train, evaluate, bookkeeping activities; the rest is
 *     workflow tasks, child workflow starts and queueing);
 *   - history events and bytes per generation (the search's run + its candidates' workflows);
 *   - storage bytes per candidate (checkpoint, run folder) and of the experiment as a whole.
 * Asserts nothing.
 *
 *   npx tsx bench/orchestration.ts [--population 20] [--generations 10] [--parallelism 8] [--json] [--keep]
 *   npx tsx bench/orchestration.ts --executor process --parallelism 2 ...   (a `netgrow train` process per run)
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { experimentRecord, writeExperimentRecord } from '../src/experiment/experiment';
import { quietTemporalRuntime } from '../src/experiment/runtime';
import { runLocalWorkers } from '../worker/index';
import { SearchConfig } from '../src/search/config';
import { startSearch } from '../src/temporal/client';
import { startDevServer } from '../src/temporal/devserver';
import { bundleWorkflows } from '../worker/index';
import type { TrainResult } from '../src/contracts/train';
import type { SearchResult } from '../src/contracts/search';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const { values } = parseArgs({
  options: {
    population: { type: 'string', default: '20' },
    generations: { type: 'string', default: '10' },
    parallelism: { type: 'string', default: '8' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    executor: { type: 'string', default: 'inprocess' },
  },
});
const population = Number(values.population);
const generations = Number(values.generations);
const parallelism = Number(values.parallelism);
const executor = values.executor === 'process' ? 'process' : 'inprocess';
const say = (line: string) => void (values.json ? process.stderr : process.stdout).write(`${line}\n`);

const TINY_GRAPH = {
  format: 'netgrow.graph/v1',
  name: 'tiny',
  nodes: [
    { id: 'input', kind: 'input', inputs: [], shape: [8, 8, 1] },
    {
      id: 'conv1',
      kind: 'conv2d',
      inputs: ['input'],
      filters: 8,
      kernel: 3,
      stride: 1,
      padding: 'same',
      bias: true,
    },
    { id: 'conv1.act', kind: 'activation', inputs: ['conv1'], fn: 'relu' },
    { id: 'pool1', kind: 'maxpool2d', inputs: ['conv1.act'], pool: 2, padding: 'valid' },
    {
      id: 'conv2',
      kind: 'conv2d',
      inputs: ['pool1'],
      filters: 2,
      kernel: 3,
      stride: 1,
      padding: 'same',
      bias: true,
    },
    { id: 'gmp', kind: 'globalmaxpool', inputs: ['conv2'] },
    { id: 'softmax', kind: 'activation', inputs: ['gmp'], fn: 'softmax' },
  ],
  output: 'softmax',
};

async function main(): Promise<void> {
  quietTemporalRuntime();
  const dir = await mkdtemp(join(tmpdir(), 'netgrow-bench-orchestration-'));
  const server = await startDevServer({ dataDir: join(dir, 'temporal'), port: 0, headless: true });
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  try {
    const t0 = Date.now();
    const workflowBundle = await bundleWorkflows();
    const bundleMs = Date.now() - t0;
    // The seed's GA start network with 8 filters instead of 128: a few hundred weights.
    const tinyGraph = join(dir, 'tiny.json');
    await writeFile(tinyGraph, JSON.stringify(TINY_GRAPH));
    const config = SearchConfig.parse({
      name: 'bench',
      seed: 1,
      dataset: { name: 'synthetic:8x8x1:64:2c', validation: 0.25 },
      start: { arch: tinyGraph },
      strategy: { kind: 'ga', population, generations },
      train: { epochs: 1, maxSteps: 1, batchSize: 16 },
      executor: { kind: executor, parallelism },
      budget: { candidates: null },
      storage: { uri: `file://${dir}/runs` },
    });
    const record = experimentRecord('search', 'bench', config.storage.uri, config);
    await writeExperimentRecord(record);
    const workers = await runLocalWorkers({
      connection: native,
      namespace: server.namespace,
      executor,
      parallelism,
      workflowBundle,
    });
    const started = Date.now();
    let result: SearchResult;
    try {
      const handle = await startSearch(client, {
        experimentId: 'bench',
        experimentUri: record.experimentUri,
        config,
      });
      result = await handle.result();
    } finally {
      await workers.shutdown();
    }
    const wallMs = Date.now() - started;

    const search = await searchRuns(client, 'bench');
    const children = await candidateHistories(client, 'bench');
    const trainMs = sumActivity(children, 'train');
    const trainerSeconds = trainResults(children).reduce((s, r) => s + r.wallSeconds, 0);
    const n = result.candidates;
    const perGeneration = search
      .map((events, g) => {
        const own = children.filter((c) => c.generation === g);
        const childEvents = own.reduce((s, c) => s + c.events.length, 0);
        return {
          generation: g,
          candidates: own.length,
          searchEvents: events.length,
          searchBytes: historyBytes(events),
          candidateEvents: childEvents,
          candidateBytes: own.reduce((s, c) => s + historyBytes(c.events), 0),
        };
      })
      .filter((g) => g.candidates > 0);
    const storage = await storageFigures(join(dir, 'runs', 'experiments', 'bench'));
    const figures: Figures = {
      candidates: n,
      generations: result.generations,
      parallelism,
      bundleMs,
      serverStartupMs: server.startupMs,
      wallSeconds: wallMs / 1000,
      wallPerCandidateMs: wallMs / n,
      trainerSecondsPerCandidate: trainerSeconds / n,
      overheadPerCandidateMs: (wallMs - trainerSeconds * 1000) / n,
      activityMsPerCandidate: {
        mutate: sumActivity(children, 'mutate') / n,
        train: trainMs / n,
        evaluate: sumActivity(children, 'evaluate') / n,
        bookkeeping:
          (sumActivity(
            search.map((events) => ({ events })),
            'recordLineage',
          ) +
            sumActivity(
              search.map((events) => ({ events })),
              'report',
            )) /
          n,
      },
      perGeneration,
      storage,
    };
    if (values.json) console.log(JSON.stringify(figures));
    report(figures);
  } finally {
    await native.close();
    await connection.close();
    await server.stop();
    if (values.keep) say(`  kept: ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

async function searchRuns(client: Client, id: string): Promise<HistoryEvent[][]> {
  const first = await client.workflow.getHandle(id).describe();
  let runId: string | undefined = first.raw.workflowExecutionInfo?.firstRunId ?? first.runId;
  const runs: HistoryEvent[][] = [];
  while (runId) {
    const events: HistoryEvent[] = (await client.workflow.getHandle(id, runId).fetchHistory()).events ?? [];
    runs.push(events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

interface ChildHistory {
  generation: number;
  events: HistoryEvent[];
}

async function candidateHistories(client: Client, id: string): Promise<ChildHistory[]> {
  const out: ChildHistory[] = [];
  const query = `NetgrowExperimentId = "${id}" AND WorkflowType = "candidateWorkflow"`;
  for await (const wf of client.workflow.list({ query })) {
    const events = (await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? [];
    const generation = Number(/\.g(\d+)-c\d+$/.exec(wf.workflowId)?.[1] ?? -1);
    out.push({ generation, events });
  }
  return out;
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 0;

/** Milliseconds from each activity's scheduling to its completion, summed over histories. */
function sumActivity(histories: { events: HistoryEvent[] }[], type: string): number {
  let total = 0;
  for (const { events } of histories) {
    const scheduled = new Map<string, number>();
    for (const e of events) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s?.activityType?.name === type) scheduled.set(String(e.eventId), ms(e.eventTime));
      const done = e.activityTaskCompletedEventAttributes;
      const at = scheduled.get(String(done?.scheduledEventId));
      if (done && at !== undefined) total += ms(e.eventTime) - at;
    }
  }
  return total;
}

function trainResults(histories: ChildHistory[]): TrainResult[] {
  const results: TrainResult[] = [];
  for (const { events } of histories) {
    for (const e of events) {
      const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      if (!payload) continue;
      const value = defaultPayloadConverter.fromPayload<{ format?: string }>(payload);
      if (value?.format === 'netgrow.trainresult/v1') results.push(value as TrainResult);
    }
  }
  return results;
}

function historyBytes(events: HistoryEvent[]): number {
  return temporal.api.history.v1.History.encode({ events }).finish().byteLength;
}

async function folderBytes(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    total += entry.isDirectory() ? await folderBytes(p) : (await stat(p)).size;
  }
  return total;
}

async function storageFigures(experiment: string) {
  const ids = await readdir(join(experiment, 'candidates'));
  let checkpoint = 0;
  let runs = 0;
  const perGeneration = new Map<number, { bytes: number; count: number }>();
  for (const id of ids) {
    const all = await folderBytes(join(experiment, 'candidates', id));
    const run = await folderBytes(join(experiment, 'candidates', id, 'runs'));
    checkpoint += all - run;
    runs += run;
    const g = Number(/^g(\d+)-/.exec(id)?.[1] ?? -1);
    const sum = perGeneration.get(g) ?? { bytes: 0, count: 0 };
    perGeneration.set(g, { bytes: sum.bytes + all, count: sum.count + 1 });
  }
  return {
    candidates: ids.length,
    checkpointBytesPerCandidate: checkpoint / ids.length,
    runBytesPerCandidate: runs / ids.length,
    /** Candidate folder (checkpoint + runs) by generation: the networks grow. */
    bytesPerCandidateByGeneration: Object.fromEntries(
      [...perGeneration].sort((a, b) => a[0] - b[0]).map(([g, v]) => [g, v.bytes / v.count]),
    ),
    lineageBytes: (await stat(join(experiment, 'lineage.jsonl'))).size,
    reportBytes: await folderBytes(join(experiment, 'report')),
    totalBytes:
      (await folderBytes(experiment)) - (await folderBytes(join(experiment, 'temporal')).catch(() => 0)),
  };
}

interface Figures {
  candidates: number;
  generations: number;
  parallelism: number;
  bundleMs: number;
  serverStartupMs: number;
  wallSeconds: number;
  wallPerCandidateMs: number;
  trainerSecondsPerCandidate: number;
  overheadPerCandidateMs: number;
  activityMsPerCandidate: Record<'mutate' | 'train' | 'evaluate' | 'bookkeeping', number>;
  perGeneration: {
    generation: number;
    candidates: number;
    searchEvents: number;
    searchBytes: number;
    candidateEvents: number;
    candidateBytes: number;
  }[];
  storage: Awaited<ReturnType<typeof storageFigures>>;
}

function report(f: Figures): void {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  say(
    `orchestration benchmark: ${f.candidates} candidates, ${f.generations} generations, ` +
      `${executor} executor, parallelism ${f.parallelism}`,
  );
  say(
    `  dev server ready in ${f.serverStartupMs} ms; workflow bundle ${f.bundleMs} ms (once per worker process)`,
  );
  say(`  wall ${f.wallSeconds.toFixed(1)} s = ${f.wallPerCandidateMs.toFixed(0)} ms per candidate`);
  say(`  training (trainer wall time) ${(f.trainerSecondsPerCandidate * 1000).toFixed(0)} ms per candidate`);
  say(`  overhead beyond training: ${f.overheadPerCandidateMs.toFixed(0)} ms per candidate`);
  const a = f.activityMsPerCandidate;
  say(
    `  activity time per candidate (scheduled → completed, overlapping): mutate ${a.mutate.toFixed(0)} ms, ` +
      `train ${a.train.toFixed(0)} ms, evaluate ${a.evaluate.toFixed(0)} ms, lineage+report ${a.bookkeeping.toFixed(0)} ms`,
  );
  say(
    '  per generation: gen  candidates  search run (events, bytes)  candidates (events, bytes)  storage per candidate',
  );
  for (const g of f.perGeneration) {
    const bytes = f.storage.bytesPerCandidateByGeneration[g.generation] ?? 0;
    say(
      `    ${String(g.generation).padStart(3)}  ${String(g.candidates).padStart(10)}  ` +
        `${String(g.searchEvents).padStart(6)} ${kb(g.searchBytes).padStart(11)}  ` +
        `${String(g.candidateEvents).padStart(8)} ${kb(g.candidateBytes).padStart(11)}  ${kb(bytes).padStart(12)}`,
    );
  }
  const s = f.storage;
  say(
    `  storage per candidate: checkpoint ${kb(s.checkpointBytesPerCandidate)}, training run ${kb(s.runBytesPerCandidate)}; ` +
      `lineage.jsonl ${kb(s.lineageBytes)}, report ${kb(s.reportBytes)}, experiment ${kb(s.totalBytes)} in all`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
