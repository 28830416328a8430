/**
 * Reads what an experiment folder holds — experiment.json, every candidate's meta.json, every
 * run's train.csv and result.json, lineage.jsonl — through the ArtifactStore, so the report
 * works the same on file:// and s3://. A search that is still running, or one that crashed,
 * leaves missing and half-written pieces: each becomes a note the report shows, never an
 * exception, so the researcher always gets a page. Only an experiment that is not there at
 * all is an error.
 */
import { z } from 'zod';
import { LineageEvent, readLineage, readTrainCsv, TrainRow } from '../log';
import { CheckpointMeta, readCheckpointMeta } from '../model/checkpoint';
import { ArtifactStore } from '../storage/store';
import { TrainResult } from '../contracts/train';
import { naturalCompare } from './layout';
import { candidateIdOf } from './operations';
import { NetgrowError } from '../contracts/errors';

export class ReportError extends NetgrowError {
  readonly code = 'report';
  constructor(message: string) {
    super(message, 'input');
    this.name = 'ReportError';
  }
}

export interface RunData {
  runId: string;
  /** train.csv rows; empty when the file is absent or unreadable. */
  rows: TrainRow[];
  result: TrainResult | null;
  /** The run's last status in lineage.jsonl, for runs that have no result.json (yet). */
  lineageStatus: string | null;
  wallSeconds: number | null;
}

export interface CandidateData {
  id: string;
  meta: CheckpointMeta | null;
  /** A candidate id of this experiment, or an outside reference (a checkpoint URI); null for a seed. */
  parent: string | null;
  /** The command(s) that made it from its parent, `; `-separated; 'init' for a fresh network. */
  operation: string | null;
  /** Those commands one by one, from lineage (empty for a start model or a fresh network). */
  ops: string[];
  generation: number | null;
  /** Parameter count from meta.json, else from the mutation event. */
  params: number | null;
  runs: RunData[];
  /** Its test score when it was a finalist, scored once after the search (a `test` event). */
  finalTest?: { rank: number; acc: number | null; loss: number | null } | null;
  /** What ranked it when the search penalised size (its completed run's `score`); else null. */
  score?: number | null;
  /** The grown winner whose architecture it retrained from scratch (a `scratch` event); else null. */
  control?: string | null;
}

/** A config entry such as `strategy: {kind: ga, population: 4}`: its name and its settings. */
export interface ConfigEntry {
  name: string;
  /** "population 4, generations 5"; null when there are no other settings. */
  detail: string | null;
}

/** What experiment.json says, read leniently: the report must open whatever the config version. */
export interface ConfigView {
  name: string | null;
  strategy: ConfigEntry | null;
  dataset: ConfigEntry | null;
  start: ConfigEntry | null;
  createdAt: string | null;
}

export interface ExperimentData {
  id: string;
  prefix: string;
  storeUri: string;
  config: ConfigView | null;
  /** experiment.json as stored, for the page's "configuration" block. */
  configText: string | null;
  candidates: CandidateData[];
  lineage: LineageEvent[];
  notes: string[];
}

const joinKey = (...parts: string[]): string => parts.filter((p) => p !== '').join('/');
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Runs `f` over `xs` with at most `limit` calls in flight (S3 round trips add up otherwise). */
async function mapLimit<T, R>(xs: readonly T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await f(xs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, worker));
  return out;
}

const Loose = <T extends z.ZodTypeAny>(t: T) => t.optional().catch(undefined);
const Primitive = z.union([z.string(), z.number(), z.boolean()]);
const ConfigShape = z.looseObject({
  name: Loose(z.string()),
  createdAt: Loose(z.string()),
  dataset: Loose(z.union([z.string(), z.looseObject({ name: Loose(z.string()) })])),
  start: Loose(z.union([z.string(), z.looseObject({ arch: Loose(z.string()) })])),
  strategy: Loose(z.union([z.string(), z.looseObject({ kind: Loose(z.string()) })])),
});

/** `{kind: 'ga', population: 4, generations: 5}` → ga / "population 4, generations 5". */
function describeEntry(v: unknown, head: string): ConfigEntry | null {
  if (typeof v === 'string') return { name: v, detail: null };
  if (!v || typeof v !== 'object') return null;
  const rest = Object.entries(v as Record<string, unknown>)
    .filter(([k, x]) => k !== head && (Primitive.safeParse(x).success || Array.isArray(x)))
    // A list (a plan's stages) reads as its length: "stages 12".
    .map(([k, x]) => `${k} ${Array.isArray(x) ? x.length : String(x)}`);
  const name = (v as Record<string, unknown>)[head];
  return { name: typeof name === 'string' ? name : '?', detail: rest.length > 0 ? rest.join(', ') : null };
}

export function configView(raw: unknown): ConfigView {
  const outer = ConfigShape.safeParse(raw);
  // A wrapper `{ id, createdAt, config: {...} }` is read through to the config inside.
  const inner =
    raw && typeof raw === 'object' && 'config' in raw
      ? ConfigShape.safeParse((raw as { config: unknown }).config)
      : outer;
  const c = inner.success ? inner.data : {};
  return {
    name: c.name ?? null,
    strategy: describeEntry(c.strategy, 'kind'),
    dataset: describeEntry(c.dataset, 'name'),
    start: describeEntry(c.start, 'arch'),
    createdAt: (outer.success ? outer.data.createdAt : undefined) ?? c.createdAt ?? null,
  };
}

/** Parent references resolve the way per-operation statistics resolve them. */
export { candidateIdOf };

export async function collectExperiment(
  store: ArtifactStore,
  experimentPrefix: string,
): Promise<ExperimentData> {
  const prefix = experimentPrefix.replace(/^\/+|\/+$/g, '');
  // The experiment's folder is named by its id; the search's activities open the store at that
  // folder (prefix ''), `netgrow report` above it (experiments/<id>).
  const id = `${store.uri}/${prefix}`.split('/').filter(Boolean).pop() ?? '';
  const keys = await store.list(prefix === '' ? '' : `${prefix}/`);
  const has = new Set(keys);
  const where = `${store.uri}/${prefix}`;
  if (keys.length === 0) {
    throw new ReportError(
      `no experiment at ${where}: it holds no experiment.json, candidates or lineage.jsonl; check the experiment id and the storage URI`,
    );
  }
  const notes: string[] = [];

  let config: ConfigView | null = null;
  let configText: string | null = null;
  const configKey = joinKey(prefix, 'experiment.json');
  if (has.has(configKey)) {
    try {
      configText = await store.getText(configKey);
      config = configView(JSON.parse(configText));
    } catch (e) {
      notes.push(`experiment.json could not be read: ${message(e)}`);
    }
  } else notes.push('experiment.json is missing; name, strategy and dataset are unknown');

  let lineage: LineageEvent[] = [];
  const lineageKey = joinKey(prefix, 'lineage.jsonl');
  if (has.has(lineageKey)) {
    try {
      const log = await readLineage(store, lineageKey);
      lineage = log.events;
      for (const t of log.torn) {
        notes.push(
          `lineage.jsonl line ${t.line} is a torn write (a crash in the middle of an append); it was skipped`,
        );
      }
    } catch (e) {
      notes.push(`lineage.jsonl is damaged, so the tree uses checkpoint metadata only: ${message(e)}`);
    }
  } else notes.push('lineage.jsonl is missing; parents and operations come from checkpoint metadata only');

  // candidates/<cid>/... and candidates/<cid>/runs/<rid>/... from one listing.
  const candPrefix = joinKey(prefix, 'candidates') + '/';
  const runIds = new Map<string, Set<string>>();
  for (const k of keys) {
    if (!k.startsWith(candPrefix)) continue;
    const parts = k.slice(candPrefix.length).split('/');
    if (!runIds.has(parts[0])) runIds.set(parts[0], new Set());
    if (parts[1] === 'runs' && parts.length > 3) runIds.get(parts[0])!.add(parts[2]);
  }
  for (const e of lineage) {
    const cid = e.type === 'mutation' ? e.child : e.type === 'training' ? e.candidate : null;
    if (cid !== null && !runIds.has(cid)) runIds.set(cid, new Set());
  }

  const read = await mapLimit([...runIds.keys()].sort(naturalCompare), 8, async (cid) => {
    const folder = joinKey(prefix, 'candidates', cid);
    const own: string[] = [];
    let meta: CheckpointMeta | null = null;
    if (has.has(joinKey(folder, 'meta.json'))) {
      try {
        meta = await readCheckpointMeta(store, folder);
      } catch (e) {
        own.push(`candidate ${cid}: ${message(e)}`);
      }
    }
    const runs = await mapLimit([...runIds.get(cid)!].sort(naturalCompare), 4, (rid) =>
      readRun(store, joinKey(folder, 'runs', rid), rid, has, (n) =>
        own.push(`candidate ${cid} run ${rid}: ${n}`),
      ),
    );
    return {
      candidate: fromLineage({ id: cid, meta, runs }, lineage),
      notes: own,
      hasMeta: has.has(joinKey(folder, 'meta.json')),
    };
  });
  // Notes in candidate order, whatever order the reads finished in.
  for (const r of read) notes.push(...r.notes);
  const candidates = read.map((r) => r.candidate);
  const noCheckpoint = read.filter((r) => !r.hasMeta).map((r) => r.candidate.id);
  if (noCheckpoint.length > 0) {
    notes.push(
      `${plural(noCheckpoint.length, 'candidate')} without a checkpoint yet (meta.json missing: still being written, or the write failed): ${noCheckpoint.join(', ')}`,
    );
  }
  const untrained = candidates.filter((c) => c.runs.length === 0 && c.meta !== null).map((c) => c.id);
  if (untrained.length > 0) {
    notes.push(`${plural(untrained.length, 'candidate')} with no training runs yet: ${untrained.join(', ')}`);
  }
  return { id, prefix, storeUri: store.uri, config, configText, candidates, lineage, notes };
}

async function readRun(
  store: ArtifactStore,
  folder: string,
  runId: string,
  has: Set<string>,
  note: (text: string) => void,
): Promise<RunData> {
  const run: RunData = { runId, rows: [], result: null, lineageStatus: null, wallSeconds: null };
  if (has.has(joinKey(folder, 'train.csv'))) {
    try {
      run.rows = await readTrainCsv(store, joinKey(folder, 'train.csv'));
    } catch (e) {
      note(`train.csv could not be read: ${message(e)}`);
    }
  }
  if (has.has(joinKey(folder, 'result.json'))) {
    try {
      const parsed = TrainResult.safeParse(JSON.parse(await store.getText(joinKey(folder, 'result.json'))));
      if (parsed.success) {
        run.result = parsed.data;
        run.wallSeconds = parsed.data.wallSeconds;
      } else {
        const i = parsed.error.issues[0];
        note(`result.json is not a training result: \`${i.path.join('.')}\` ${i.message}`);
      }
    } catch (e) {
      note(`result.json could not be read: ${message(e)}`);
    }
  }
  return run;
}

/** The operation a continue control shows: its parent unchanged, trained on. */
export const CONTINUE_OPERATION = 'continue (control)';

/** Parent, operation, generation and run statuses from lineage events, checkpoint meta as fallback. */
function fromLineage(
  c: { id: string; meta: CheckpointMeta | null; runs: RunData[] },
  events: LineageEvent[],
): CandidateData {
  // One mutation event per command: a child made by several commands has several.
  const births = events.filter(
    (e): e is Extract<LineageEvent, { type: 'mutation' }> => e.type === 'mutation' && e.child === c.id,
  );
  const birth = births[0];
  const ops = births.map((b) => b.op);
  // A continue control has no command: its control event names its parent and generation.
  const continued = events.find(
    (e): e is Extract<LineageEvent, { type: 'control' }> => e.type === 'control' && e.candidate === c.id,
  );
  const parentRef = birth ? birth.parent : (continued?.of ?? c.meta?.parent ?? null);
  const runs = c.runs.map((r) => ({ ...r }));
  let generation = birth?.generation ?? continued?.generation ?? null;
  let finalTest: CandidateData['finalTest'] = null;
  let score: number | null = null;
  let control: string | null = null;
  for (const e of events) {
    if (e.type === 'test' && e.candidate === c.id) finalTest = { rank: e.rank, acc: e.acc, loss: e.loss };
    if (e.type === 'scratch' && e.candidate === c.id) {
      control = e.of;
      if (e.testAcc !== null) finalTest = { rank: finalTest?.rank ?? 0, acc: e.testAcc, loss: null };
    }
    if (e.type !== 'training' || e.candidate !== c.id) continue;
    if (e.status === 'completed' && typeof e.metrics.score === 'number') score = e.metrics.score;
    generation ??= e.generation ?? null;
    let run = runs.find((r) => r.runId === e.runId);
    if (!run) {
      run = { runId: e.runId, rows: [], result: null, lineageStatus: null, wallSeconds: null };
      runs.push(run);
    }
    run.lineageStatus = e.status;
    run.wallSeconds = run.result?.wallSeconds ?? e.wallSeconds;
  }
  return {
    id: c.id,
    meta: c.meta,
    parent: parentRef === null ? null : candidateIdOf(parentRef),
    operation: ops.length > 0 ? ops.join('; ') : continued ? CONTINUE_OPERATION : (c.meta?.operation ?? null),
    ops,
    generation,
    params: c.meta?.params ?? births.at(-1)?.paramsAfter ?? null,
    runs,
    finalTest,
    score,
    control,
  };
}
