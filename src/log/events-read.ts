/**
 * Reading event files back without TensorBoard: for tests, reports and `netgrow report`.
 * Understands what EventWriter writes (scalars, text, file_version, SessionLog START).
 */
import { ArtifactStore } from '../storage/store';
import { decodeEvent, DT_STRING, SESSION_START } from './event-proto';
import { listEventFiles } from './events';
import { decodeRecords } from './tfrecord';

export type EventRecord =
  | { kind: 'file_version'; wallTime: number; step: number; version: string }
  | { kind: 'start'; wallTime: number; step: number }
  | { kind: 'scalar'; wallTime: number; step: number; tag: string; value: number }
  | { kind: 'text'; wallTime: number; step: number; tag: string; text: string };

export interface DecodedEventFile {
  records: EventRecord[];
  /** Bytes of an unfinished last record (the writer died mid-put on a store without atomic puts). */
  tornBytes: number;
}

export function decodeEventFile(bytes: Uint8Array, name = 'event file'): DecodedEventFile {
  const { records, tornBytes } = decodeRecords(bytes, name);
  const out: EventRecord[] = [];
  for (const data of records) {
    const e = decodeEvent(data);
    const base = { wallTime: e.wall_time, step: e.step };
    if (e.file_version) out.push({ kind: 'file_version', ...base, version: e.file_version });
    if (e.session_log?.status === SESSION_START) out.push({ kind: 'start', ...base });
    for (const v of e.summary?.value ?? []) {
      if (v.simple_value !== undefined && v.simple_value !== null) {
        out.push({ kind: 'scalar', ...base, tag: v.tag, value: v.simple_value });
      } else if (v.tensor?.dtype === DT_STRING && v.tensor.string_val?.length) {
        const text = v.tensor.string_val.map((b) => Buffer.from(b).toString('utf8')).join('\n');
        out.push({ kind: 'text', ...base, tag: v.tag, text });
      }
    }
  }
  return { records: out, tornBytes };
}

/**
 * Every scalar/text record of a run folder as TensorBoard would show it: files in name
 * order, and a START at step s drops earlier records with step >= s (a resumed run).
 */
export async function readRunEvents(store: ArtifactStore, dir: string): Promise<EventRecord[]> {
  let kept: EventRecord[] = [];
  for (const key of await listEventFiles(store, dir)) {
    for (const r of decodeEventFile(await store.get(key), key).records) {
      if (r.kind === 'start') kept = kept.filter((k) => k.step < r.step);
      else if (r.kind === 'scalar' || r.kind === 'text') kept.push(r);
    }
  }
  return kept;
}
