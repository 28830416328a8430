/**
 * lineage.jsonl: every mutation, training run, selection and generation of an experiment, and
 * the finalists' test scores, one JSON object per line, append-only. The report draws the family tree from it and a
 * resumed search reads it to know what already happened.
 */
import type { z } from 'zod';
import { LineageEvent, type LineageEventInput } from '../contracts/lineage';
import { ArtifactStore, StorageError } from '../storage/store';
import { LogError } from './errors';

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
