/**
 * train.csv: one row per epoch (and optionally per N steps), readable by pandas and
 * spreadsheets. S3 has no append, so the writer keeps the whole table in memory and
 * `flush()` puts the whole object — every version a reader sees is complete. Resuming from
 * epoch k keeps rows up to k and drops what a crashed process wrote after its last
 * checkpoint, so the resumed run continues the same file without duplicates.
 */
import { ArtifactStore, StorageError } from '../storage/store';
import { LogError } from './errors';
import { METRIC_FIELDS, TRAIN_CSV_COLUMNS, TrainCsvColumn, TrainRow, TrainRowInput } from './train-row';

export interface OpenTrainCsvOptions {
  /**
   * Keep the existing file's rows up to and including this epoch and continue after it.
   * Absent: start a fresh table (the old object is replaced at the first flush).
   */
  resumeAfterEpoch?: number;
}

export class TrainCsvWriter {
  private readonly table: TrainRow[];

  private constructor(
    private readonly store: ArtifactStore,
    readonly key: string,
    kept: TrainRow[],
  ) {
    this.table = kept;
  }

  static async open(
    store: ArtifactStore,
    key: string,
    opts: OpenTrainCsvOptions = {},
  ): Promise<TrainCsvWriter> {
    const after = opts.resumeAfterEpoch;
    if (after === undefined) return new TrainCsvWriter(store, key, []);
    if (!Number.isInteger(after) || after < 0) {
      throw new LogError('order', `${key}: resumeAfterEpoch must be an integer >= 0, received ${after}`);
    }
    const old = await readTextIfExists(store, key);
    const rows = old === null ? [] : parseTrainCsv(old, key);
    return new TrainCsvWriter(
      store,
      key,
      rows.filter((r) => r.epoch <= after),
    );
  }

  get rows(): readonly TrainRow[] {
    return this.table;
  }

  /** Adds a row; rows must move forward (a second row for a finished epoch is a resume bug). */
  add(input: TrainRowInput): TrainRow {
    const parsed = TrainRow.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LogError('csv', `${this.key}: bad row, ${issue.path.join('.') || 'row'}: ${issue.message}`);
    }
    const row = parsed.data;
    const last = this.table.at(-1);
    if (last && (row.step < last.step || row.epoch < last.epoch)) {
      throw new LogError(
        'order',
        `${this.key}: row for epoch ${row.epoch} step ${row.step} comes after epoch ${last.epoch} step ${last.step}; ` +
          'open the file with resumeAfterEpoch set to the checkpoint epoch when resuming',
      );
    }
    if (row.kind === 'epoch' && this.table.some((r) => r.kind === 'epoch' && r.epoch === row.epoch)) {
      throw new LogError(
        'order',
        `${this.key}: epoch ${row.epoch} already has a row; resume with resumeAfterEpoch=${row.epoch - 1} to rewrite it`,
      );
    }
    this.table.push(row);
    return row;
  }

  toCsv(): string {
    return formatTrainCsv(this.table);
  }

  async flush(): Promise<void> {
    await this.store.put(this.key, this.toCsv());
  }
}

export function openTrainCsv(
  store: ArtifactStore,
  key: string,
  opts: OpenTrainCsvOptions = {},
): Promise<TrainCsvWriter> {
  return TrainCsvWriter.open(store, key, opts);
}

/** Reads train.csv from a store; throws StorageError 'not_found' when absent. */
export async function readTrainCsv(store: ArtifactStore, key: string): Promise<TrainRow[]> {
  return parseTrainCsv(await store.getText(key), key);
}

async function readTextIfExists(store: ArtifactStore, key: string): Promise<string | null> {
  try {
    return await store.getText(key);
  } catch (e) {
    if (e instanceof StorageError && e.code === 'not_found') return null;
    throw e;
  }
}

// NaN and infinities as pandas and numpy spell them, so `pd.read_csv` gives floats back.
function formatNumber(x: number | null): string {
  if (x === null) return '';
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x); // shortest text that round-trips the double exactly
}

function cell(row: TrainRow, column: TrainCsvColumn): string {
  if (column === 'kind') return row.kind;
  if (column === 'epoch' || column === 'step') return String(row[column]);
  return formatNumber(row[METRIC_FIELDS[column]]);
}

export function formatTrainCsv(rows: readonly TrainRow[]): string {
  const lines = [TRAIN_CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push(TRAIN_CSV_COLUMNS.map((c) => cell(r, c)).join(','));
  return lines.join('\n') + '\n';
}

function parseNumber(text: string, where: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const lower = t.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const x = Number(t);
  if (Number.isNaN(x)) throw new LogError('csv', `${where}: expected a number, found "${t}"`);
  return x;
}

/**
 * Parses train.csv text (for tests, reports and resume). Columns may come in any order;
 * `kind` may be absent (older or hand-made files: every row is an epoch row).
 */
export function parseTrainCsv(text: string, name = 'train.csv'): TrainRow[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  if (lines.length === 0) return [];
  const header = lines[0].split(',').map((h) => h.trim());
  const missing = TRAIN_CSV_COLUMNS.filter((c) => c !== 'kind' && !header.includes(c));
  if (missing.length > 0) {
    throw new LogError(
      'csv',
      `${name}: header lacks column(s) ${missing.join(', ')}; expected ${TRAIN_CSV_COLUMNS.join(',')}`,
    );
  }
  const index = new Map(header.map((h, i) => [h, i]));
  const rows: TrainRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    if (cells.length !== header.length) {
      throw new LogError(
        'csv',
        `${name} line ${i + 1}: ${cells.length} cells, the header has ${header.length}`,
      );
    }
    const at = (c: TrainCsvColumn): string => cells[index.get(c)!] ?? '';
    const num = (c: TrainCsvColumn): number | null => parseNumber(at(c), `${name} line ${i + 1} column ${c}`);
    const parsed = TrainRow.safeParse({
      kind: index.has('kind') ? at('kind').trim() : 'epoch',
      epoch: num('epoch'),
      step: num('step'),
      loss: num('loss'),
      acc: num('acc'),
      valLoss: num('val_loss'),
      valAcc: num('val_acc'),
      lr: num('lr'),
      seconds: num('seconds'),
      samplesPerSec: num('samples_per_sec'),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LogError('csv', `${name} line ${i + 1} field ${issue.path.join('.')}: ${issue.message}`);
    }
    rows.push(parsed.data);
  }
  return rows;
}
