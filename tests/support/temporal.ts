/**
 * A real Temporal dev server for tests (`.tools/bin/temporal server start-dev`, loopback,
 * free ports, SQLite in a temp dir) plus a client and the worker bundle. The workflow bundle
 * is built once per test file: webpack takes seconds and every worker of the file reuses it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, type WorkflowBundle } from '@temporalio/worker';
import type { Activities, TrainActivityInput } from '../../src/contracts/activities';
import type { TrainResult } from '../../src/contracts/train';
import { workflowIds } from '../../src/temporal/config';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/temporal/devserver';
import { bundleWorkflows, startWorkers } from '../../worker/index';
import { within } from './until';

export interface TemporalTestEnv {
  server: DevServer;
  client: Client;
  dataDir: string;
  /** Milliseconds the workflow bundle took (webpack). */
  bundleMs: number;
  /**
   * Runs both netgrow workers with these activities while `fn` runs, then shuts them down.
   * `fn` fails after `deadlineMs` (default WORKFLOW_DEADLINE_MS); each activity attempt that
   * fails on attempt TEST_MAX_ATTEMPTS fails for good.
   */
  withWorkers<T>(
    activities: Activities,
    fn: () => Promise<T>,
    opts?: { trainingSlots?: number; deadlineMs?: number },
  ): Promise<T>;
  /** Stops the server on the same data dir and starts it again (same ports); the client reconnects. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Attempts after which an activity run by a test's workers fails for good. Production keeps
 * the retry policies of src/temporal/config.ts (lineage and the report retry without limit,
 * docs/RELIABILITY.md); in a test a bug must fail in seconds with its reason, not retry until
 * the test's timeout. 5 attempts back off for 15 s.
 */
export const TEST_MAX_ATTEMPTS = 5;
/** How long the workflows run inside `withWorkers` may take, unless the test says otherwise. */
export const WORKFLOW_DEADLINE_MS = 600_000;

/** The same activities, each failing non-retryably on attempt TEST_MAX_ATTEMPTS. */
export function boundedAttempts(activities: Activities): Activities {
  const bounded = Object.entries(activities).map(([name, fn]) => [
    name,
    async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (e) {
        const { attempt } = Context.current().info;
        if (attempt < TEST_MAX_ATTEMPTS || e instanceof CancelledFailure) throw e;
        if (e instanceof ApplicationFailure && e.nonRetryable) throw e;
        const err = e instanceof Error ? e : new Error(String(e));
        throw ApplicationFailure.create({
          message: `${err.message} (attempt ${attempt}: the tests' limit)`,
          type: e instanceof ApplicationFailure ? (e.type ?? undefined) : err.name,
          details: e instanceof ApplicationFailure ? (e.details ?? undefined) : undefined,
          nonRetryable: true,
          cause: err,
        });
      }
    },
  ]);
  return Object.fromEntries(bounded) as unknown as Activities;
}

let runtimeInstalled = false;
let bundle: Promise<{ bundle: WorkflowBundle; ms: number }> | undefined;

/**
 * At WARN the SDK logs every failed activity attempt with its stack, and the tests fail
 * activities (and replays) on purpose; real errors reach the test through results anyway.
 * Must run before the first worker or native connection of the process.
 */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  runtimeInstalled = true;
}

export async function startTemporal(
  opts: Pick<DevServerOptions, 'dynamicConfig'> = {},
): Promise<TemporalTestEnv> {
  quietRuntime();
  bundle ??= (async () => {
    const t0 = Date.now();
    return { bundle: await bundleWorkflows(), ms: Date.now() - t0 };
  })();
  const dataDir = await mkdtemp(join(tmpdir(), 'netgrow-temporal-'));
  const serverOpts: DevServerOptions = {
    dataDir,
    port: 0,
    headless: true,
    // The server delays a run that continues-as-new less than 1 s after it started (a guard
    // against tight loops); a real generation takes minutes, a scripted one milliseconds.
    dynamicConfig: { 'history.workflowIdReuseMinimalInterval': '0s', ...opts.dynamicConfig },
  };
  let server = await startDevServer(serverOpts);
  serverOpts.port = Number(server.address.split(':')[1]);
  let connection = await Connection.connect({ address: server.address });
  let client = new Client({ connection, namespace: server.namespace });
  const { bundle: workflowBundle, ms: bundleMs } = await bundle;

  return {
    get server() {
      return server;
    },
    get client() {
      return client;
    },
    dataDir,
    bundleMs,
    async withWorkers(activities, fn, workerOpts = {}) {
      const nativeConnection = await NativeConnection.connect({ address: server.address });
      const workers = await startWorkers({
        connection: nativeConnection,
        namespace: server.namespace,
        activities: boundedAttempts(activities),
        trainingSlots: workerOpts.trainingSlots ?? 4,
        workflowBundle,
      });
      try {
        const deadline = workerOpts.deadlineMs ?? WORKFLOW_DEADLINE_MS;
        return await within(
          Promise.race([fn(), workers.done.then(() => Promise.reject(new Error('workers stopped early')))]),
          deadline,
          'the workflows run by withWorkers to finish',
        );
      } finally {
        await workers.shutdown();
        await nativeConnection.close();
      }
    },
    async restart() {
      await connection.close();
      await server.stop();
      server = await startDevServer(serverOpts);
      connection = await Connection.connect({ address: server.address });
      client = new Client({ connection, namespace: server.namespace });
    },
    async stop() {
      await connection.close();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every run of a workflow in order, following continueAsNew from the first run. */
export async function runsOf(
  client: Client,
  workflowId: string,
): Promise<{ runId: string; events: HistoryEvent[] }[]> {
  const first = await client.workflow.getHandle(workflowId).describe();
  let runId: string | undefined = first.raw.workflowExecutionInfo?.firstRunId ?? first.runId;
  const runs: { runId: string; events: HistoryEvent[] }[] = [];
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    runs.push({ runId, events });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** The decoded inputs of every scheduled `activityType` in a history, in order. */
export function activityInputs<T>(events: HistoryEvent[], activityType: string): T[] {
  return events
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === activityType)
    .map((a) => defaultPayloadConverter.fromPayload<T>(a!.input!.payloads![0]));
}

export interface TrainCall {
  input: TrainActivityInput;
  /** The attempt that ended it (Temporal records one start per call: its last). */
  attempt: number;
  /** Why the attempt before it failed, when it was retried. */
  lastFailure: string | null;
  failure: { message: string; type: string; nonRetryable: boolean } | null;
  /** The failure's details (the device-seconds the failed run used). */
  details: unknown[];
  result: TrainResult | null;
}

/** Every train activity of a candidate's workflow, as its history records it. */
export async function trainCalls(
  client: Client,
  experimentId: string,
  candidateId = 'g0-c0',
): Promise<TrainCall[]> {
  const history = await client.workflow
    .getHandle(workflowIds.candidate(experimentId, candidateId))
    .fetchHistory();
  const events: HistoryEvent[] = history.events ?? [];
  const of = <T extends { scheduledEventId?: unknown }>(
    id: unknown,
    pick: (e: HistoryEvent) => T | null | undefined,
  ) => events.map(pick).find((a) => a && String(a.scheduledEventId) === String(id));
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'train')
    .map((e) => {
      const input = e.activityTaskScheduledEventAttributes!.input!.payloads![0];
      const started = of(e.eventId, (x) => x.activityTaskStartedEventAttributes);
      const failed = of(e.eventId, (x) => x.activityTaskFailedEventAttributes)?.failure;
      const done = of(e.eventId, (x) => x.activityTaskCompletedEventAttributes)?.result?.payloads?.[0];
      return {
        input: defaultPayloadConverter.fromPayload<TrainActivityInput>(input),
        attempt: started?.attempt ?? 0,
        lastFailure: started?.lastFailure?.message ?? null,
        failure: failed
          ? {
              message: failed.message ?? '',
              type: failed.applicationFailureInfo?.type ?? '',
              nonRetryable: failed.applicationFailureInfo?.nonRetryable ?? false,
            }
          : null,
        result: done ? defaultPayloadConverter.fromPayload<TrainResult>(done) : null,
        details: (failed?.applicationFailureInfo?.details?.payloads ?? []).map((p) =>
          defaultPayloadConverter.fromPayload(p),
        ),
      };
    });
}
