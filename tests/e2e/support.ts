/**
 * Helpers for the end-to-end tests: real Temporal dev server, real activities, real training
 * in `netgrow train` child processes, real storage. Searches are tiny (synthetic images,
 * the seed's GA start network, a couple of epochs) so a whole search takes seconds per
 * candidate on two cores.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { createActivities } from '../../activities';
import { ProcessExecutor } from '../../src/executor/process';
import type { LineageEvent } from '../../src/contracts/lineage';
import { readLineage } from '../../src/log/lineage';
import { SearchConfig, type SearchConfigInput } from '../../src/search/config';
import { openStore, type ArtifactStore } from '../../src/storage';
import { TrainResult } from '../../src/contracts/train';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Activities } from '../../src/contracts/activities';
import { writeExperimentRecord, type ExperimentRecord } from '../../src/experiment/experiment';
import { startSearch } from '../../src/temporal/client';
import { runsOf, startTemporal, type TemporalTestEnv } from '../support/temporal';
import { until, within } from '../support/until';

export { until, within };

export const ROOT = resolve(__dirname, '../..');
export const NETGROW = join(ROOT, 'bin', 'netgrow.js');

/** A search small enough for a test: 2 generations of 3 after the start model, 2 epochs each. */
export function tinyConfig(over: Partial<SearchConfigInput> = {}): SearchConfigInput {
  return {
    name: 'e2e',
    seed: 11,
    dataset: { name: 'synthetic:8x8x1:256:4c', validation: 0.25 },
    start: { arch: 'seed-ga' },
    strategy: { kind: 'ga', population: 3, generations: 2 },
    train: { epochs: 2, batchSize: 32 },
    executor: { kind: 'process', parallelism: 2 },
    ...over,
  };
}

export function parseConfig(input: SearchConfigInput): SearchConfig {
  return SearchConfig.parse(input);
}

/** The production activities with the process executor. */
export function processActivities(parallelism = 2) {
  return createActivities({
    executor: new ProcessExecutor({ parallelism }),
    openStore: (uri) => openStore(uri),
  });
}

export interface CandidateFiles {
  id: string;
  runs: string[];
  results: TrainResult[];
}

/** Every candidate folder of an experiment, with its runs' result.json files. */
export async function candidateFiles(exp: ArtifactStore): Promise<CandidateFiles[]> {
  const keys = await exp.list('candidates/');
  const ids = [...new Set(keys.map((k) => k.split('/')[1]))].sort();
  const out: CandidateFiles[] = [];
  for (const id of ids) {
    const runs = [
      ...new Set(keys.filter((k) => k.startsWith(`candidates/${id}/runs/`)).map((k) => k.split('/')[3])),
    ];
    const results: TrainResult[] = [];
    for (const run of runs.sort()) {
      const key = `candidates/${id}/runs/${run}/result.json`;
      if (await exp.exists(key)) results.push(TrainResult.parse(JSON.parse(await exp.getText(key))));
    }
    out.push({ id, runs, results });
  }
  return out;
}

export async function lineageOf(exp: ArtifactStore): Promise<LineageEvent[]> {
  const { events, torn } = await readLineage(exp, 'lineage.jsonl');
  assert.deepEqual(torn, [], 'no torn lines in lineage.jsonl');
  return events;
}

/**
 * The lineage tells each candidate's story exactly once: no line twice, one training event per
 * run, and the set of trained candidates is the set the search reports.
 */
export function assertLineageComplete(events: LineageEvent[], candidates: string[]): void {
  const lines = events.map((e) => JSON.stringify(e));
  assert.equal(new Set(lines).size, lines.length, 'no duplicate lineage entry');
  const trained = events.filter((e) => e.type === 'training');
  const runIds = trained.map((e) => e.runId);
  assert.equal(new Set(runIds).size, runIds.length, 'one training event per run');
  const completed = trained.filter((e) => e.status === 'completed').map((e) => e.candidate);
  assert.deepEqual(
    [...new Set(completed)].sort(),
    [...candidates].sort(),
    'every candidate trained, none missing',
  );
  const mutated = events.filter((e) => e.type === 'mutation').map((e) => `${e.child}:${e.op}`);
  assert.equal(new Set(mutated).size, mutated.length, 'each mutation recorded once');
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Writes the experiment's record and runs its search on workers with `activities`, to its result. */
export async function searchToEnd(
  env: TemporalTestEnv,
  activities: Activities,
  record: ExperimentRecord,
  config: SearchConfig,
) {
  return env.withWorkers(activities, async () => (await startRecorded(env.client, record, config)).result());
}

/** The search of `record` started on Temporal after its local record is written (as `netgrow search` does). */
export async function startRecorded(client: Client, record: ExperimentRecord, config: SearchConfig) {
  await writeExperimentRecord(record);
  return startSearch(client, { experimentId: record.id, experimentUri: record.experimentUri, config });
}

/** The TrainResults a candidate's history holds (its completed train calls), in order. */
export function trainResults(history: HistoryEvent[]): TrainResult[] {
  return history
    .map((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0])
    .filter((p) => p !== undefined && p !== null)
    .map((p) => defaultPayloadConverter.fromPayload<TrainResult | object>(p))
    .filter((r): r is TrainResult => 'format' in r && r.format === 'netgrow.trainresult/v1');
}

/** Every history of an experiment: the search's runs and its candidates' workflows. */
export async function experimentHistories(client: Client, experimentId: string): Promise<HistoryEvent[][]> {
  const histories = (await runsOf(client, experimentId)).map((r) => r.events);
  const query = `NetgrowExperimentId = "${experimentId}" AND WorkflowType = "candidateWorkflow"`;
  for await (const wf of client.workflow.list({ query })) {
    histories.push((await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? []);
  }
  return histories;
}

/** Histories as text, payload bytes decoded (JSON.stringify would spell them byte by byte). */
export function historyText(histories: HistoryEvent[][]): string {
  // Buffer's own toJSON runs before a replacer would see the bytes, hence the walk.
  const decode = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (Array.isArray(value)) return value.map(decode);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
    }
    return value;
  };
  return JSON.stringify(decode(histories));
}

/** Runs `node bin/netgrow.js <args>` to the end; output and exit code. */
export function netgrow(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [NETGROW, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NETGROW_PLAIN: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** `netgrow worker` as a child process (so a test can SIGKILL it), its output in `logFile`. */
export function startWorkerProcess(
  address: string,
  logFile: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): ChildProcess {
  const log = openSync(logFile, 'a');
  return spawn(process.execPath, [NETGROW, 'worker', '--temporal-address', address, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
}

/**
 * A Temporal dev server and a scratch folder for one test file: started before its tests,
 * stopped and removed after them. Read `env` and `dir` inside the tests.
 */
export function serverAndScratch(name: string): { env: TemporalTestEnv; dir: string } {
  const fx = {} as { env: TemporalTestEnv; dir: string };
  before(async () => {
    fx.env = await startTemporal();
    fx.dir = await mkdtemp(join(tmpdir(), `netgrow-e2e-${name}-`));
  });
  after(async () => {
    await fx.env?.stop();
    if (fx.dir) await rm(fx.dir, { recursive: true, force: true });
  });
  return fx;
}
