/**
 * The logs of one training run, under its run folder: train.csv, TensorBoard event files, a
 * line per epoch on the console, and training events in the lineage file. A resumed run
 * continues them where its checkpoint left off, so crashed work never shows twice.
 */
import { Graph, summarize } from '../graph';
import { formatEpochLine, formatModelSummary, ModelSummaryRow, modelSummaryMarkdown } from '../log/console';
import { EventWriter, openEventWriter } from '../log/events';
import type { TrainingEvent } from '../contracts/lineage';
import { appendLineage } from '../log/lineage';
import { openTrainCsv, readTrainCsv, TrainCsvWriter } from '../log/train-csv';
import { TrainRowInput } from '../log/train-row';
import { ArtifactStore, StorageError } from '../storage/store';
import { Located } from '../storage/locate';

export interface ResumeAt {
  epoch: number;
  globalStep: number;
}

export function summaryRows(g: Graph): ModelSummaryRow[] {
  return summarize(g).map((r) => ({ ...r, flops: 2 * r.macs }));
}

export class RunLogs {
  private constructor(
    private readonly csv: TrainCsvWriter,
    private readonly events: EventWriter,
    private readonly lineage: Located,
    readonly print: (line: string) => void,
    private readonly epochs: number,
  ) {}

  static async open(
    store: ArtifactStore,
    opts: { resume: ResumeAt | null; lineage: Located; print: (line: string) => void; epochs: number },
  ): Promise<RunLogs> {
    const r = opts.resume;
    let csv: TrainCsvWriter;
    if (r) {
      const old = await readRowsIfAny(store);
      csv = await openTrainCsv(store, 'train.csv', { resumeAfterEpoch: r.epoch });
      // Step rows of a half-done epoch that the checkpoint covers stay; later ones are gone.
      for (const row of old) {
        if (row.epoch === r.epoch + 1 && row.kind === 'step' && row.step <= r.globalStep) csv.add(row);
      }
    } else {
      csv = await openTrainCsv(store, 'train.csv');
    }
    const events = await openEventWriter(store, '', r ? { resumeAfterStep: r.globalStep } : {});
    return new RunLogs(csv, events, opts.lineage, opts.print, opts.epochs);
  }

  /** The model summary, on the console and (fresh runs) in TensorBoard's Text tab. */
  modelSummary(g: Graph, toEvents: boolean): void {
    const rows = summaryRows(g);
    this.print(formatModelSummary(rows));
    if (toEvents) this.events.addText('model/summary', 0, modelSummaryMarkdown(rows));
  }

  stepRow(row: Omit<TrainRowInput, 'kind'>): void {
    const added = this.csv.add({ ...row, kind: 'step' });
    this.events.addRow(added);
  }

  async epochRow(row: Omit<TrainRowInput, 'kind'>): Promise<void> {
    const added = this.csv.add({ ...row, kind: 'epoch' });
    this.events.addRow(added);
    this.print(formatEpochLine(added, this.epochs));
    await this.flush();
  }

  async training(event: Omit<TrainingEvent, 'type' | 'at'>): Promise<void> {
    await appendLineage(this.lineage.store, this.lineage.key, { type: 'training', ...event });
  }

  async flush(): Promise<void> {
    await this.csv.flush();
    await this.events.flush();
  }

  get eventFile(): string {
    return this.events.key;
  }
}

async function readRowsIfAny(store: ArtifactStore) {
  try {
    return await readTrainCsv(store, 'train.csv');
  } catch (e) {
    if (e instanceof StorageError && e.code === 'not_found') return [];
    throw e;
  }
}
