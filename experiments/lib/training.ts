/**
 * Training runs for the drivers, in this process: `runTraining` (the code `netgrow train`
 * runs) on a dataset loaded once and shared by every run. All runs of a driver use the same
 * rows (one split seed); the run's own seed drives its initial weights and batch order, so
 * seeds vary what a seed should and nothing else. Each run's folder keeps train.csv,
 * result.json and the final checkpoint, the inputs of later stages and of the report.
 */
import { join, resolve } from 'node:path';
import { BackendInfo, initBackend } from '../../src/backend';
import { OptimizerSpec, ScheduleSpec, TrainResult, TrainSpec } from '../../src/contracts/train';
import { Dataset, loadDataset } from '../../src/data/load';
import { trainingData } from '../../src/data/training-data';
import { parseTrainCsv } from '../../src/log/train-csv';
import { formatUri, openStore, parseUri } from '../../src/storage';
import { readResultFile } from '../../src/train/result-file';
import { runTraining } from '../../src/train/run';

export interface DatasetChoice {
  /** `fashion-mnist`, or `synthetic:…` in tests. */
  name: string;
  /** Fraction (0,1] or count of the official training set. */
  limit: number;
  /** Fraction of those held out for validation. */
  validation: number;
  /** Seeds which rows are used and held out (default 0); a search uses its own seed. */
  splitSeed?: number;
}

export interface EpochPoint {
  epoch: number;
  loss: number;
  acc: number | null;
  valLoss: number | null;
  valAcc: number | null;
  seconds: number;
}

export interface RunRecord {
  /** The group the run belongs to (`net2wider`, `vgg8+dropout`, …). */
  group: string;
  seed: number;
  runId: string;
  /** URI of the run folder. */
  output: string;
  /** URI of the trained checkpoint (null unless completed). */
  checkpoint: string | null;
  status: TrainResult['status'];
  epochs: number;
  params: number | null;
  valAcc: number | null;
  testAcc: number | null;
  wallSeconds: number;
  /** Training FLOPs the run counted (forward + backward per sample × samples); null when uncounted. */
  trainFlops: number | null;
  curve: EpochPoint[];
}

export interface RunRequest {
  group: string;
  seed: number;
  /** `builtin:<name>`, a graph.json URI (fresh weights from `seed`) or a checkpoint URI. */
  start: string;
  epochs: number;
  augment?: boolean;
  optimizer?: OptimizerSpec;
  schedule?: ScheduleSpec;
  batchSize?: number;
  /** A distinct name when one group trains more than once per seed (stages). */
  stage?: string;
  /** Scheduled growth within the run (TrainSpec `grow`). */
  grow?: TrainSpec['grow'];
  /** `graph`: the run trains on the graph engine; absent: tfjs eager on this process's backend. */
  backend?: 'graph';
  /** Decoupled weight decay and label smoothing (TrainSpec's); absent: none. */
  weightDecay?: number;
  labelSmoothing?: number;
}

export const DEFAULT_OPTIMIZER: OptimizerSpec = { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false };

export class Runner {
  private dataset: Dataset | null = null;
  readonly records: RunRecord[] = [];

  private constructor(
    /** Absolute folder of the driver's output. */
    readonly out: string,
    readonly data: DatasetChoice,
    readonly backend: BackendInfo,
    private readonly log: (line: string) => void,
  ) {}

  static async open(out: string, data: DatasetChoice, log: (line: string) => void): Promise<Runner> {
    const backend = await initBackend({ log });
    return new Runner(resolve(out), data, backend, log);
  }

  /** The records of `group`'s runs so far, in the order they were trained. */
  runsOf(group: string): RunRecord[] {
    return this.records.filter((r) => r.group === group);
  }

  /** A file:// URI under the driver's output folder. */
  uri(...parts: string[]): string {
    return formatUri(parseUri(join(this.out, ...parts)));
  }

  /** The loaded rows (train, validation, test), loaded on first use. */
  async rows(): Promise<Dataset> {
    this.dataset ??= await loadDataset(
      { name: this.data.name, limit: this.data.limit, validation: this.data.validation },
      { seed: this.data.splitSeed ?? 0 },
    );
    return this.dataset;
  }

  /**
   * The record of `req`'s run when its folder already holds one that completed its epochs (a
   * driver run again over its own output); null when it must be trained.
   */
  async finished(req: RunRequest): Promise<RunRecord | null> {
    const output = this.uri('runs', runIdOf(req));
    const result = await readResultFile(openStore(output));
    if (result?.status !== 'completed' || result.epochsRun !== req.epochs) return null;
    const record = await runRecord(req.group, req.seed, output, result);
    this.records.push(record);
    this.log(`${result.runId}: reused (${record.epochs} epochs, test ${fmt(record.testAcc)})`);
    return record;
  }

  async train(req: RunRequest): Promise<RunRecord> {
    const ds = await this.rows();
    const runId = runIdOf(req);
    const output = this.uri('runs', runId);
    const data = trainingData(ds, { seed: req.seed, augment: req.augment ?? false });
    const result = await runTraining(
      {
        runId,
        checkpoint: req.start,
        output,
        resume: false,
        seed: req.seed,
        dataset: {
          name: this.data.name,
          limit: this.data.limit,
          validation: this.data.validation,
          augment: req.augment ?? false,
          splitSeed: this.data.splitSeed ?? 0,
        },
        epochs: req.epochs,
        batchSize: req.batchSize ?? 64,
        optimizer: req.optimizer ?? DEFAULT_OPTIMIZER,
        schedule: req.schedule ?? { kind: 'cosine', minLr: 0 },
        // Every run of a comparison trains exactly its epochs.
        earlyStopping: { patience: 0, minDelta: 0 },
        logEverySteps: 1_000_000,
        scoreTest: true,
        grow: req.grow ?? [],
        ...(req.backend ? { backend: req.backend } : {}),
        ...(req.weightDecay ? { weightDecay: req.weightDecay } : {}),
        ...(req.labelSmoothing ? { labelSmoothing: req.labelSmoothing } : {}),
      },
      { data, log: () => {} },
    );
    const record = await runRecord(req.group, req.seed, output, result);
    this.records.push(record);
    this.log(
      `${runId}: ${record.status}, ${record.epochs} epochs, val ${fmt(record.valAcc)}, test ${fmt(record.testAcc)}, ${record.wallSeconds.toFixed(1)} s`,
    );
    return record;
  }
}

/** A run's folder name under `<out>/runs/`: its group, stage and seed. */
const runIdOf = (req: RunRequest): string =>
  `${req.group}${req.stage ? `-${req.stage}` : ''}-s${req.seed}`.replace(/[^A-Za-z0-9._-]/g, '_');

/** A finished run's record, its curve read from the run folder's train.csv. */
export async function runRecord(
  group: string,
  seed: number,
  output: string,
  result: TrainResult,
): Promise<RunRecord> {
  const csv = await openStore(output).getText('train.csv');
  const curve = parseTrainCsv(csv)
    .filter((r) => r.kind === 'epoch')
    .map((r) => ({
      epoch: r.epoch,
      loss: r.loss,
      acc: r.acc,
      valLoss: r.valLoss,
      valAcc: r.valAcc,
      seconds: r.seconds,
    }));
  return {
    group,
    seed,
    runId: result.runId,
    output,
    checkpoint: result.checkpoint,
    status: result.status,
    epochs: result.epochsRun,
    params: result.params ?? null,
    valAcc: result.validation?.acc ?? result.final?.valAcc ?? null,
    testAcc: result.test?.acc ?? null,
    wallSeconds: result.wallSeconds,
    trainFlops: result.trainFlops ?? null,
    curve,
  };
}

const fmt = (v: number | null): string => (v === null ? '—' : v.toFixed(4));

/** Runs `body` once per seed, in order (the machine has two cores; runs never overlap). */
export async function forSeeds<T>(seeds: number, body: (seed: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let s = 1; s <= seeds; s++) out.push(await body(s));
  return out;
}
