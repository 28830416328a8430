/**
 * lineage.jsonl: every mutation, training run, selection and generation of an experiment, and
 * the finalists' test scores, one JSON object per line, append-only. The report draws the family tree from it and a
 * resumed search reads it to know what already happened.
 */
import { z } from 'zod';
import { ArtifactStore, StorageError } from '../storage/store';
import { LogError } from './errors';

const At = z.iso.datetime({ offset: true }).default(() => new Date().toISOString());
const Id = z.string().min(1);
const Generation = z.number().int().min(0);
const MetricValues = z.record(z.string(), z.number().nullable());

export const MutationEvent = z.strictObject({
  type: z.literal('mutation'),
  at: At,
  generation: Generation.optional(),
  parent: Id,
  child: Id,
  /** The command text, e.g. `wider conv2 x2`. */
  op: z.string().min(1),
  paramsBefore: z.number().int().min(0),
  paramsAfter: z.number().int().min(0),
  preserving: z.boolean(),
  /** The function-preservation check; null when it was not run. */
  maxAbsDiff: z.number().nullable().default(null),
  relDiff: z.number().nullable().default(null),
  /** Wall seconds the preservation check took (off the worker's event loop); absent when unchecked. */
  checkSeconds: z.number().min(0).optional(),
});

export const TrainingEvent = z.strictObject({
  type: z.literal('training'),
  at: At,
  generation: Generation.optional(),
  candidate: Id,
  runId: Id,
  status: z.enum(['started', 'completed', 'diverged', 'stopped', 'failed', 'retrying']),
  epochs: z.number().int().min(0),
  metrics: MetricValues.default({}),
  wallSeconds: z.number().min(0),
  /** Which try this was, and what a divergence retry changed (lrScale, clipNorm, batchScale). */
  attempt: z.number().int().positive().optional(),
  adjustment: z.record(z.string(), z.number()).optional(),
});

export const SelectionEvent = z.strictObject({
  type: z.literal('selection'),
  at: At,
  generation: Generation,
  /** Candidates that were compared, and the ones kept. */
  from: z.array(Id),
  selected: z.array(Id),
  scores: MetricValues.default({}),
  criterion: z.string().default('val_acc'),
});

export const GenerationEvent = z.strictObject({
  type: z.literal('generation'),
  at: At,
  generation: Generation,
  status: z.enum(['started', 'finished']),
  candidates: z.array(Id).default([]),
  best: Id.nullable().default(null),
});

/**
 * A finalist's test-split score, taken once after the search for the best few by validation
 * accuracy. Reported only: nothing ranks or selects by it.
 */
export const TestEvent = z.strictObject({
  type: z.literal('test'),
  at: At,
  candidate: Id,
  /** Its place among the finalists by validation accuracy (1 = best). */
  rank: z.number().int().positive(),
  valAcc: z.number().nullable(),
  /** Null when the dataset has no test split or scoring failed. */
  acc: z.number().nullable(),
  loss: z.number().nullable(),
});

export const LineageEvent = z.discriminatedUnion('type', [
  MutationEvent,
  TrainingEvent,
  SelectionEvent,
  GenerationEvent,
  TestEvent,
]);
export type LineageEvent = z.infer<typeof LineageEvent>;
export type LineageEventInput = z.input<typeof LineageEvent>;
export type MutationEvent = z.infer<typeof MutationEvent>;
export type TrainingEvent = z.infer<typeof TrainingEvent>;
export type SelectionEvent = z.infer<typeof SelectionEvent>;
export type GenerationEvent = z.infer<typeof GenerationEvent>;
export type TestEvent = z.infer<typeof TestEvent>;

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.join('.') || 'event'}: ${issue.message}`;
}

/** Validates and appends one event; returns it as stored (defaults filled in). */
export async function appendLineage(
  store: ArtifactStore,
  key: string,
  event: LineageEventInput,
): Promise<LineageEvent> {
  const parsed = LineageEvent.safeParse(event);
  if (!parsed.success) {
    throw new LogError(
      'lineage',
      `${key}: refusing to append an invalid lineage event, ${describeIssue(parsed.error)}`,
    );
  }
  await store.append(key, JSON.stringify(parsed.data));
  return parsed.data;
}

export interface TornLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

export interface LineageLog {
  events: LineageEvent[];
  /** Partial writes left by a crash; ignored, reported so the caller can say so. */
  torn: TornLine[];
}

/**
 * Reads and validates every event. A crash mid-append leaves a torn line: at the end of the
 * file it is ignored; when a later append was glued onto it, the complete event after the
 * torn prefix is kept. Anything else that does not parse is damage and an error.
 * An absent file is an empty lineage (nothing happened yet).
 */
export async function readLineage(store: ArtifactStore, key: string): Promise<LineageLog> {
  let text: string;
  try {
    text = await store.getText(key);
  } catch (e) {
    if (e instanceof StorageError && e.code === 'not_found') return { events: [], torn: [] };
    throw e;
  }
  return parseLineage(text, key);
}

export function parseLineage(text: string, name = 'lineage.jsonl'): LineageLog {
  const lines = text.split('\n');
  const lastIndex = lastNonEmpty(lines);
  const events: LineageEvent[] = [];
  const torn: TornLine[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const json = tryJson(line);
    if (json === undefined) {
      const salvaged = salvageGluedEvent(line);
      if (salvaged === null && i !== lastIndex) {
        throw new LogError(
          'lineage',
          `${name} line ${i + 1}: not JSON and not a torn write; the file is damaged`,
        );
      }
      torn.push({ line: i + 1, text: salvaged ? line.slice(0, salvaged.at) : line });
      if (salvaged) events.push(salvaged.event);
      return;
    }
    const parsed = LineageEvent.safeParse(json);
    if (!parsed.success) {
      throw new LogError(
        'lineage',
        `${name} line ${i + 1}: invalid lineage event, ${describeIssue(parsed.error)}`,
      );
    }
    events.push(parsed.data);
  });
  return { events, torn };
}

function lastNonEmpty(lines: string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].trim() !== '') return i;
  return -1;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A torn prefix followed by a whole event: the event starts at some later `{`. */
function salvageGluedEvent(line: string): { at: number; event: LineageEvent } | null {
  for (let at = line.indexOf('{', 1); at > 0; at = line.indexOf('{', at + 1)) {
    const parsed = LineageEvent.safeParse(tryJson(line.slice(at)));
    if (parsed.success) return { at, event: parsed.data };
  }
  return null;
}
