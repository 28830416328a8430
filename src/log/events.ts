/**
 * TensorBoard event files written by netgrow itself: `events.out.tfevents.<secs>.<host>`,
 * TFRecord-framed `Event` protos holding scalars (`simple_value`) and text summaries.
 *
 * Resume rule: every process start writes a NEW file that opens with `file_version` and a
 * `SessionLog{START}` at the first step it will write (checkpoint step + 1). That is how
 * TensorFlow's own supervisors restart, and what TensorBoard handles well:
 * - the Python loader (EventAccumulator, `--load_fast=false`) purges every event of earlier
 *   files with step >= the START step, so the crashed tail disappears;
 * - the Rust data server keeps per-tag series and lets a repeated step supersede the later
 *   ones, so the resumed values replace the orphaned ones as they arrive;
 * - earlier files are never rewritten, so readers tailing them by byte offset (TensorBoard
 *   on S3 and on local files) never see a file shrink.
 * Within one process the file only grows: where the store can append (file://) `flush()`
 * appends the new records in place, so TensorBoard tailing the file sees them live; S3 has no
 * append, so there it puts the whole object again (atomic per the ArtifactStore contract).
 *
 * Every tag shares one step axis, the global optimizer step, because purging is by step
 * across all tags; per-epoch values are logged at the step that ends the epoch, and the
 * `epoch/epoch` scalar maps steps back to epochs.
 */
import { hostname } from 'node:os';
import { ArtifactStore } from '../storage/store';
import {
  DATA_CLASS_TENSOR,
  DT_STRING,
  encodeEvent,
  EventMessage,
  FILE_VERSION,
  SESSION_START,
  SummaryValueMessage,
} from './event-proto';
import { LogError } from './errors';
import { encodeRecord } from './tfrecord';
import { METRIC_FIELDS, TrainRow } from './train-row';

export interface OpenEventWriterOptions {
  /** Global step of the checkpoint this process resumes from; absent for a fresh run (step 0). */
  resumeAfterStep?: number;
  /** Goes into the file name; default os.hostname(). */
  host?: string;
  /** Seconds since the Unix epoch (fractional); injectable for tests. */
  clock?: () => number;
}

const EVENT_FILE_PREFIX = 'events.out.tfevents.';

export class EventWriter {
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;
  /** Chunks the store holds; -1 after a failed append, so the next flush rewrites the file whole. */
  private published = 0;

  private constructor(
    private readonly store: ArtifactStore,
    readonly key: string,
    /** The step of the START record: events of older files at this step or later are superseded. */
    readonly startStep: number,
    private readonly clock: () => number,
  ) {}

  static async open(
    store: ArtifactStore,
    dir: string,
    opts: OpenEventWriterOptions = {},
  ): Promise<EventWriter> {
    const clock = opts.clock ?? (() => Date.now() / 1000);
    const after = opts.resumeAfterStep;
    if (after !== undefined && (!Number.isInteger(after) || after < 0)) {
      throw new LogError(
        'order',
        `event file in "${dir}": resumeAfterStep must be an integer >= 0, received ${after}`,
      );
    }
    const startStep = after === undefined ? 0 : after + 1;
    const now = clock();
    const key = await freshKey(store, dir, now, sanitizeHost(opts.host ?? hostname()));
    const writer = new EventWriter(store, key, startStep, clock);
    writer.push({ wall_time: now, step: 0, file_version: FILE_VERSION });
    writer.push({ wall_time: now, step: startStep, session_log: { status: SESSION_START } });
    // Publishing the header at once reserves the name against a second start in the same second.
    await writer.flush();
    return writer;
  }

  get size(): number {
    return this.bytes;
  }

  addScalar(tag: string, step: number, value: number, wallTime?: number): void {
    this.addScalars(step, { [tag]: value }, wallTime);
  }

  /** Several scalars at one step, in one event. */
  addScalars(step: number, values: Record<string, number>, wallTime?: number): void {
    const value: SummaryValueMessage[] = Object.entries(values).map(([tag, v]) => ({
      tag: checkTag(tag),
      simple_value: v,
    }));
    this.push({ wall_time: this.wallTime(wallTime), step: checkStep(step), summary: { value } });
  }

  /**
   * A train.csv row as scalars `<epoch|batch>/<column>` at the row's global step; epoch rows
   * also log `epoch/epoch` so the step axis can be read as epochs.
   */
  addRow(row: TrainRow, wallTime?: number): void {
    const prefix = row.kind === 'epoch' ? 'epoch' : 'batch';
    const values: Record<string, number> = {};
    if (row.kind === 'epoch') values['epoch/epoch'] = row.epoch;
    for (const [column, field] of Object.entries(METRIC_FIELDS)) {
      const v = row[field];
      if (v !== null) values[`${prefix}/${column}`] = v;
    }
    this.addScalars(row.step, values, wallTime);
  }

  /** A text summary (Markdown) for TensorBoard's Text tab: plugin 'text', DT_STRING scalar tensor. */
  addText(tag: string, step: number, markdown: string, wallTime?: number): void {
    const value: SummaryValueMessage = {
      tag: checkTag(tag),
      // TextPluginData{version: 0} serialises to no bytes.
      metadata: {
        plugin_data: { plugin_name: 'text', content: new Uint8Array() },
        data_class: DATA_CLASS_TENSOR,
      },
      tensor: { dtype: DT_STRING, tensor_shape: { dim: [] }, string_val: [Buffer.from(markdown, 'utf8')] },
    };
    this.push({ wall_time: this.wallTime(wallTime), step: checkStep(step), summary: { value: [value] } });
  }

  /** The whole file so far. */
  contents(): Uint8Array {
    return Buffer.concat(this.chunks, this.bytes);
  }

  async flush(): Promise<void> {
    const count = this.chunks.length;
    if (this.published > 0 && this.store.appendBytes) {
      if (this.published === count) return;
      // Only the records since the last flush are copied: a days-long run's file is not.
      const fresh = Buffer.concat(this.chunks.slice(this.published));
      this.published = -1;
      await this.store.appendBytes(this.key, fresh);
    } else {
      await this.store.put(this.key, this.contents());
    }
    this.published = count;
  }

  private wallTime(given: number | undefined): number {
    const t = given ?? this.clock();
    if (!Number.isFinite(t))
      throw new LogError('order', `${this.key}: wall time must be finite, received ${t}`);
    return t;
  }

  private push(event: EventMessage): void {
    const record = encodeRecord(encodeEvent(event));
    this.chunks.push(record);
    this.bytes += record.length;
  }
}

export function openEventWriter(
  store: ArtifactStore,
  dir: string,
  opts: OpenEventWriterOptions = {},
): Promise<EventWriter> {
  return EventWriter.open(store, dir, opts);
}

/** Event file keys under `dir`, oldest first (the order TensorBoard reads them). */
export async function listEventFiles(store: ArtifactStore, dir: string): Promise<string[]> {
  const prefix = joinKey(dir, EVENT_FILE_PREFIX);
  return (await store.list(prefix)).sort();
}

function joinKey(dir: string, name: string): string {
  const d = dir.replace(/\/+$/, '');
  return d ? `${d}/${name}` : name;
}

// Ten-digit seconds keep lexicographic order = time order until 2286; a second start within
// the same second gets `.1`, `.2`, which also sort after the first.
async function freshKey(store: ArtifactStore, dir: string, now: number, host: string): Promise<string> {
  const base = joinKey(dir, `${EVENT_FILE_PREFIX}${String(Math.floor(now)).padStart(10, '0')}.${host}`);
  let key = base;
  for (let n = 1; await store.exists(key); n++) key = `${base}.${n}`;
  return key;
}

function sanitizeHost(host: string): string {
  return host.replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost';
}

function checkStep(step: number): number {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new LogError('order', `event step must be an integer >= 0, received ${step}`);
  }
  return step;
}

function checkTag(tag: string): string {
  if (tag.length === 0) throw new LogError('order', 'event tag must not be empty');
  return tag;
}
