/**
 * Running an experiment from the command line, start to report: write experiment.json, open
 * Temporal (the embedded dev server on the experiment's SQLite file, or a cluster), run the
 * workers in this process when there is no cluster, start the workflow (or find the one a
 * crashed or interrupted run left), show progress until it ends, and print where the report
 * is. Ctrl-C stops the workers (training checkpoints and stops) and the server, and keeps
 * everything, so `netgrow resume <id>` carries on.
 */
import { fileURLToPath } from 'node:url';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { WorkflowBundle } from '@temporalio/worker';
import type { SearchConfig } from '../search/config';
import type { SearchExecutorSettings } from '../contracts/executor-settings';
import { startGrow, startSearch } from '../temporal/client';
import { isUndefinedAttributeError, missingSearchAttributes } from '../temporal/search-attributes';
import { UsageError } from '../contracts/errors';
import type { NetgrowWorkers, StartLocalWorkers, WorkerRole } from '../contracts/workers';
import {
  absoluteStorage,
  experimentRecord,
  localStateDir,
  newExperimentId,
  temporalDir,
  writeExperimentRecord,
  type ExperimentKind,
  type ExperimentRecord,
} from './experiment';
import { readProgress, type ExperimentProgress } from './progress';
import { candidateErrors, commonReason, nothingTrained } from './failures';
import { isGraphFile } from '../model/resolve';
import { locateFile } from '../storage/locate';
import { joinUri, openStore } from '../storage';
import { describeEntry } from '../search/leaderboard';
import { quietTemporalRuntime } from './runtime';
import { describeStaging, stageDataset } from './stage-dataset';
import { openTemporal, type TemporalSession, type TemporalTarget } from './session';
import type { GrowResult, SearchResult } from '../contracts/search';

export interface ExperimentIO {
  /** Results and where things are (stdout). */
  out(line: string): void;
  /** Notes: interruptions, worker messages (stderr). */
  err(line: string): void;
  /** The live view of one experiment's progress (the CLI's terminal view, or a test's record). */
  progress(experimentId: string): ProgressListener;
}

export interface ProgressListener {
  update(progress: ExperimentProgress): void;
  /** A line from the workers (an attempt, a resume, a trainer's error). */
  note(line: string): void;
  close(): void;
}

export interface FollowOptions {
  target: TemporalTarget;
  io: ExperimentIO;
  /** Run workers in this process even with a cluster (embedded mode always does). */
  localWorkers?: boolean;
  /** How to start workers in this process (worker/, handed down from the entry point). */
  startWorkers: StartLocalWorkers;
  roles?: WorkerRole[];
  /** Aborted by Ctrl-C. */
  interrupt?: AbortSignal;
  /** Start (or find) the workflow and return without waiting. */
  detach?: boolean;
  /** No Web UI for the embedded server. */
  headless?: boolean;
  /** Milliseconds between progress reads (default 1000). */
  pollMs?: number;
  /** A bundle made by bundleWorkflows(), to skip webpack (benchmarks and tests). */
  workflowBundle?: WorkflowBundle;
}

export type OutcomeState = 'completed' | 'failed' | 'cancelled' | 'interrupted' | 'detached';

export interface ExperimentOutcome {
  id: string;
  state: OutcomeState;
  /** The exit code for the command: 0 completed or detached, 1 failed or cancelled, 130 interrupted. */
  code: number;
  result: SearchResult | GrowResult | null;
  /** report/index.html as a local path (file://) or URI (s3://). */
  report: string | null;
  error: string | null;
}

/** A new experiment from a validated config: its record first, then the workflow. */
export async function launchExperiment(
  kind: ExperimentKind,
  config: SearchConfig,
  opts: FollowOptions,
  executorSettings?: SearchExecutorSettings,
): Promise<ExperimentOutcome> {
  const id = newExperimentId(config.name);
  const storage = absoluteStorage(config.storage.uri);
  const record = experimentRecord(kind, id, storage, config, executorSettings);
  record.config = await storeStartArchitecture(record);
  const staging = await stageDataset(record.config, record.storage);
  record.config = staging.config;
  if (staging.report) opts.io.out(describeStaging(staging.report));
  await writeExperimentRecord(record);
  return followExperiment(record, opts);
}

/** Runs (embedded) or follows (cluster) the experiment's workflow, starting it if it is not there. */
export async function followExperiment(
  record: ExperimentRecord,
  opts: FollowOptions,
): Promise<ExperimentOutcome> {
  const { io } = opts;
  const embedded = opts.target.address === null;
  const localWorkers = embedded || opts.localWorkers === true;
  const stateDir = localStateDir(record.storage, record.id);
  io.out(
    `experiment ${record.id}: ${record.kind} (${record.config.strategy.kind}) on ${record.config.dataset.name}`,
  );
  io.out(`  files:    ${displayUri(record.experimentUri)}`);
  quietTemporalRuntime();
  // A second process must not run an embedded experiment's workers beside the first.
  const session = await openTemporal(opts.target, {
    stateDir,
    ui: !opts.headless,
    shareLive: !(embedded && localWorkers),
  });
  const view = io.progress(record.id);
  let workers: NetgrowWorkers | null = null;
  try {
    io.out(`  temporal: ${describeSession(session, stateDir, record.id)}`);
    if (localWorkers) {
      const { kind } = record.config.executor;
      workers = await opts.startWorkers({
        connection: await session.nativeConnection(),
        namespace: session.namespace,
        roles: opts.roles,
        executor: kind === 'inprocess' ? 'inprocess' : 'process',
        parallelism: record.config.executor.parallelism,
        log: (line) => view.note(line),
        workflowBundle: opts.workflowBundle,
      });
    }
    const handle = await ensureStarted(session, record);
    if (opts.detach) {
      io.out(`started; follow it with: netgrow status ${record.id}`);
      return outcome(record.id, 'detached', null, null, null);
    }
    return await watch(session.client, handle, record, view, workers, opts);
  } finally {
    view.close();
    if (workers) await workers.shutdown();
    await session.close();
  }
}

async function ensureStarted(session: TemporalSession, record: ExperimentRecord): Promise<WorkflowHandle> {
  const { client } = session;
  const handle = client.workflow.getHandle(record.id);
  try {
    const { status } = await handle.describe();
    // A search paused by a signal would wait for ever under `resume`; resuming means going on.
    if (record.kind === 'search' && status.name === 'RUNNING') await handle.signal('resume');
    return handle;
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
  }
  // Not there: the first run stopped between writing experiment.json and starting it.
  const input = {
    experimentId: record.id,
    experimentUri: record.experimentUri,
    config: record.config,
    ...(record.executorSettings ? { executorSettings: record.executorSettings } : {}),
  };
  try {
    return await (record.kind === 'search' ? startSearch(client, input) : startGrow(client, input));
  } catch (e) {
    if (isUndefinedAttributeError(e)) throw await unregisteredAttributes(session, record.id);
    throw e;
  }
}

/** A namespace where `netgrow temporal setup` has not run: which attributes, and the command. */
async function unregisteredAttributes(session: TemporalSession, id: string): Promise<UsageError> {
  const { address, namespace } = session;
  const missing = await missingSearchAttributes(session.client.connection as Connection, namespace);
  const names = missing && missing.length > 0 ? missing.join(', ') : 'NetgrowExperimentId and the others';
  return new UsageError(
    `Temporal namespace ${namespace} at ${address} lacks netgrow's search attributes (${names}); ` +
      `register them once with: netgrow temporal setup --temporal-address ${address} --namespace ${namespace}; ` +
      `then start this one with: netgrow resume ${id}`,
  );
}

async function watch(
  client: Client,
  handle: WorkflowHandle,
  record: ExperimentRecord,
  view: ProgressListener,
  workers: NetgrowWorkers | null,
  opts: FollowOptions,
): Promise<ExperimentOutcome> {
  let settled: Settled | null = null;
  let interrupted = opts.interrupt?.aborted ?? false;
  const onInterrupt = new Promise<void>((res) => {
    opts.interrupt?.addEventListener('abort', () => res(void (interrupted = true)), { once: true });
  });
  let workerError: unknown = null;
  const workersDone = workers
    ? workers.done.then(
        () => void (workerError ??= new Error('the workers stopped')),
        (e: unknown) => void (workerError = e),
      )
    : new Promise<void>(() => undefined);
  // The outcome is asked for once the workflow has closed, never by a long poll held open for
  // the whole search: the client adds an abort listener per poll and keeps it (with its call)
  // for as long as the signal lives, so a days-long search piled them up.
  let unanswered = 0;
  while (!settled && !interrupted && !workerError) {
    let closed = false;
    try {
      const progress = await readProgress(client, record.id, record.kind);
      view.update(progress);
      closed = progress.workflowStatus !== 'RUNNING';
    } catch {
      // The server is busy or the run is handing over; the next read will do.
    }
    if (closed) {
      settled = await closedOutcome(client, handle, ++unanswered >= 3);
      if (settled) break;
    }
    // A timer that holds the process open: a client following a cluster has no workers of its
    // own, and with nothing else pending Node would exit in the middle of the search.
    await pause(opts.pollMs ?? 1000, onInterrupt, workersDone);
  }
  const ended = settled as Settled | null;
  if (ended?.ok && 'leaderboard' in ended.value) {
    // Candidates that finished after the last read.
    view.update({
      workflowStatus: 'COMPLETED',
      status: null,
      leaderboard: ended.value.leaderboard,
      running: [],
    });
  }
  view.close();
  if (ended?.ok && 'leaderboard' in ended.value && nothingTrained(ended.value)) {
    const errors = await candidateErrors(client, ended.value);
    return finished(record, ended, opts.io, commonReason(errors, ended.value.candidates));
  }
  if (ended?.ok && 'sameFailure' in ended.value && ended.value.sameFailure) {
    const { count, error } = ended.value.sameFailure;
    return finished(record, ended, opts.io, `${count} candidates in a row failed the same way: ${error}`);
  }
  if (ended) return finished(record, ended, opts.io);
  // A Ctrl-C reaches the workers too (the Temporal runtime shuts them down on SIGINT), and under
  // load their end can be seen before the loop sees the interrupt: then it is the interrupt's
  // doing, not a failure (a CI run ended here in "internal error: the workers stopped", exit 4).
  if (workerError && !interrupted) throw workerError;
  opts.io.err(
    `interrupted: stopping the workers (running training checkpoints and stops) and the Temporal server; ` +
      `nothing is lost. Continue with: netgrow resume ${record.id}`,
  );
  return outcome(record.id, 'interrupted', null, null, null);
}

type Settled = { ok: true; value: SearchResult | GrowResult } | { ok: false; error: unknown };

/**
 * A closed workflow's outcome (following continue-as-new to the last run), or null when the
 * server did not give it within 10 s and `last` is false: the next poll asks again.
 */
async function closedOutcome(client: Client, handle: WorkflowHandle, last: boolean): Promise<Settled | null> {
  try {
    const value = await client.withDeadline(Date.now() + 10_000, () => handle.result());
    return { ok: true, value: value as SearchResult | GrowResult };
  } catch (error) {
    return error instanceof WorkflowFailedError || last ? { ok: false, error } : null;
  }
}

function finished(
  record: ExperimentRecord,
  settled: { ok: true; value: SearchResult | GrowResult } | { ok: false; error: unknown },
  io: ExperimentIO,
  /** Why a search that ran to its end still failed: none of its candidates trained. */
  failure: string | null = null,
): ExperimentOutcome {
  if (!settled.ok) {
    const e = settled.error;
    const cause = e instanceof WorkflowFailedError ? e.cause : undefined;
    if (cause instanceof CancelledFailure || cause instanceof TerminatedFailure) {
      const how = cause instanceof CancelledFailure ? 'cancelled' : 'terminated';
      io.out(`${record.kind} ${how}; what it trained stays in ${displayUri(record.experimentUri)}`);
      io.out(`  netgrow report ${record.id}${storageFlag(record)} renders a report of it`);
      return outcome(record.id, 'cancelled', null, null, how);
    }
    const message = cause?.message ?? (e instanceof Error ? e.message : String(e));
    io.out(`${record.kind} failed: ${message}`);
    return outcome(record.id, 'failed', null, null, message);
  }
  const r = settled.value;
  const report = displayUri(r.reportUri);
  if ('stages' in r) {
    io.out(`grow plan ${r.status}: ${r.stages.length} stage(s)`);
    for (const s of r.stages) {
      const acc = s.valAcc !== null ? `val_acc ${s.valAcc.toFixed(4)}` : s.status;
      const ops = s.ops.length > 0 ? s.ops.join('; ') : 'start model';
      io.out(
        `  stage ${s.stage}  ${s.candidateId.padEnd(7)} ${acc}  ${s.params.toLocaleString('en-US')} params  (${ops})`,
      );
    }
  } else {
    io.out(`search finished (${r.reason}): ${r.candidates} candidates over ${r.generations} generations`);
    if (r.best) io.out(`best: ${r.best.candidateId} ${describeEntry(r.best)}`);
    else io.out('best: none (no candidate trained to completion)');
    if (r.best?.checkpoint) io.out(`  checkpoint: ${displayUri(r.best.checkpoint)}`);
    if (r.finalists && r.finalists.length > 0) {
      const by = r.best?.score !== undefined ? 'the penalised score' : 'validation accuracy';
      io.out(`test accuracy of the finalists, scored once after the search (ranked by ${by}):`);
      for (const f of r.finalists) {
        const test = f.testAcc !== null ? f.testAcc.toFixed(4) : `none${f.error ? ` (${f.error})` : ''}`;
        io.out(`  ${f.rank}. ${f.candidateId} val_acc ${f.valAcc?.toFixed(4) ?? '—'}  test_acc ${test}`);
      }
    }
    if (r.scratch) {
      const s = r.scratch;
      const acc = (v: number | null, t: number | null) =>
        `val_acc ${v?.toFixed(4) ?? '—'}  test_acc ${t?.toFixed(4) ?? '—'}`;
      io.out(
        s.match === 'flops'
          ? `grown vs scratch at equal training FLOPs: the scratch control trained ${s.epochs} epochs, the lineage ${s.grown.lineageEpochs}:`
          : s.match === 'wall'
            ? `grown vs scratch at the search's wall time: the scratch control trained ${s.epochs} epochs, the lineage ${s.grown.lineageEpochs}:`
            : `grown vs scratch, ${s.epochs} epochs each (the epochs of the winner's lineage):`,
      );
      const flops = (f: number | null | undefined) =>
        f != null ? `  ${(f / 1e9).toPrecision(3)} GFLOPs` : '';
      io.out(
        `  grown   ${s.grown.candidateId} ${acc(s.grown.valAcc, s.grown.testAcc)}${flops(s.grown.lineageTrainFlops)}`,
      );
      io.out(
        `  scratch ${s.candidateId} ${acc(s.valAcc, s.testAcc)}${flops(s.trainFlops)}${s.status === 'completed' ? '' : ` (${s.status}${s.error ? `: ${s.error}` : ''})`}`,
      );
    }
  }
  io.out(`report: ${report}`);
  if (failure) {
    io.out(`${record.kind} failed: ${failure}`);
    return outcome(record.id, 'failed', r, report, failure);
  }
  return outcome(record.id, 'completed', r, report, null);
}

function outcome(
  id: string,
  state: OutcomeState,
  result: SearchResult | GrowResult | null,
  report: string | null,
  error: string | null,
): ExperimentOutcome {
  const code = state === 'completed' || state === 'detached' ? 0 : state === 'interrupted' ? 130 : 1;
  return { id, state, code, result, report, error };
}

function describeSession(session: TemporalSession, stateDir: string, id: string): string {
  if (!session.server && !session.shared) return `${session.address}, namespace ${session.namespace}`;
  const ui = session.uiUrl
    ? `; UI ${session.uiUrl}/namespaces/${session.namespace}/workflows/${encodeURIComponent(id)}`
    : '';
  const whose = session.shared ? 'held by another netgrow process' : `data in ${temporalDir(stateDir)}`;
  return `embedded dev server ${session.address} (${whose})${ui}`;
}

function storageFlag(record: ExperimentRecord): string {
  return record.storage === absoluteStorage('file://./runs') ? '' : ` --storage ${record.storage}`;
}

/** A file:// URI as a path people can open; anything else as it is. */
export function displayUri(uri: string): string {
  return uri.startsWith('file://') ? fileURLToPath(uri) : uri;
}

/** Waits `ms` or until one of `others` settles, and clears its timer either way. */
async function pause(ms: number, ...others: Promise<unknown>[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([new Promise((res) => (timer = setTimeout(res, ms))), ...others]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A graph.json start architecture is copied into the experiment (`start/graph.json`) and the
 * config points there: a worker on another machine reads it from storage, never from the
 * launching machine's disk, and the experiment keeps the file it started from.
 */
async function storeStartArchitecture(record: ExperimentRecord): Promise<SearchConfig> {
  const arch = record.config.start.arch;
  if (!isGraphFile(arch) || arch.startsWith(record.experimentUri)) return record.config;
  const { store, key } = locateFile(arch);
  const copy = openStore(record.experimentUri);
  await copy.put(START_GRAPH, await store.getText(key));
  return {
    ...record.config,
    start: { ...record.config.start, arch: joinUri(record.experimentUri, START_GRAPH) },
  };
}

const START_GRAPH = 'start/graph.json';
