/**
 * `runTraining`: one training run from a TrainSpec, in process — what `netgrow train --spec`
 * calls, and what the orchestration layer calls directly in tests. A custom loop (loop.ts)
 * rather than `model.fit`, so every step can be checked for divergence, a stop request can
 * checkpoint mid-epoch, and a resume replays exactly.
 */
import { loadTrainingData } from '../data/training-data';
import { Rng } from '../graph';
import { buildModel } from '../model/build';
import { openStore } from '../storage/open';
import { ArtifactStore } from '../storage/store';
import { TrainingData } from './data';
import { finishRun } from './finish';
import { locateFile, StoreOpener } from '../storage/locate';
import { RunContext, trainEpochs, TrainProgress } from './loop';
import { Optimizer } from './optimizer';
import { RunLogs } from './run-logs';
import {
  findResumePoint,
  INTERRUPTED,
  loadTrainCheckpoint,
  removeCheckpoint,
  restoreOptimizer,
  TrainState,
} from './run-state';
import { BackendChoice, TrainResult, TrainSpec, TrainSpecInput } from '../contracts/train';
import { parseTrainSpec } from './spec-errors';
import { resolveNetwork, StartError } from '../model/resolve';
import { Stepper } from './step';
import type { ProbeTarget } from './backend-choice';
import { teacherLogits } from './teacher';

export type { TrainProgress };

export interface RunTrainingOptions {
  onProgress?: (p: TrainProgress) => void;
  /** Abort = stop after the current step, checkpoint to `interrupted/`, return status 'stopped'. */
  signal?: AbortSignal;
  /** The run folder (default: `openStore(spec.output)`). */
  store?: ArtifactStore;
  /** Opens the other URIs of the spec: start checkpoint, teacher, logits file, lineage. */
  openStore?: StoreOpener;
  /** The dataset, when the caller holds it already; default: loaded from `spec.dataset` (src/data). */
  data?: TrainingData;
  /** How to load the dataset when `data` is not given. */
  loadData?: DataLoader;
  /** Console lines (model summary, one line per epoch); default console.log. */
  log?: (line: string) => void;
  /** Seconds between heartbeats inside an epoch (default 5); there is also one per logged step row. */
  heartbeatSeconds?: number;
  /**
   * Starts the backend for this run's network before any tensor exists (`netgrow train`:
   * chooseRunBackend); its answer goes into the result. Default: the process's backend as is.
   */
  chooseBackend?: (target: ProbeTarget) => Promise<BackendChoice>;
}

export type DataLoader = (spec: TrainSpec) => Promise<TrainingData>;

export async function runTraining(
  input: TrainSpecInput,
  opts: RunTrainingOptions = {},
): Promise<TrainResult> {
  const spec = parseTrainSpec(input);
  const open = opts.openStore ?? openStore;
  const out = opts.store ?? open(spec.output);
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const data = opts.data ?? (await (opts.loadData ?? loadTrainingData)(spec));

  const resumed = spec.resume ? await resumeFrom(out, spec, data) : null;
  if (!resumed) await clearCheckpoints(out);
  const { graph, weights } =
    resumed ?? (await resolveNetwork(spec.checkpoint, { open, seed: spec.seed, data, fit: true }));
  const state: TrainState = resumed?.state ?? freshState(spec, data);
  const resumedFromEpoch = resumed ? state.epoch : null;

  const backend = await opts.chooseBackend?.({
    graph,
    weights,
    batch: spec.batchSize,
    inputShape: data.inputShape,
    classes: data.numClasses,
    optimizer: spec.optimizer,
  });
  const model = buildModel(graph, weights, { logits: true });
  const stepper = new Stepper(model, graph, (params) => new Optimizer(spec.optimizer, params), {
    inputShape: data.inputShape,
    classes: data.numClasses,
    l2: spec.l2,
    weightDecay: spec.weightDecay,
    labelSmoothing: spec.labelSmoothing,
    clipNorm: spec.clipNorm,
    distill: spec.distill.enabled ? spec.distill : undefined,
  });
  try {
    if (resumed) restoreOptimizer(stepper.optimizer, resumed.optimizer, `${out.uri}/${resumed.prefix}`);
    const teacher = spec.distill.enabled
      ? await teacherLogits(
          { teacherUri: spec.distill.teacher, logitsUri: spec.distill.logits },
          { ...data, datasetKey: data.key },
          open,
          log,
        )
      : null;
    const logs = await RunLogs.open(out, {
      resume: resumed ? { epoch: state.epoch, globalStep: state.globalStep } : null,
      lineage: spec.lineage ? locateFile(spec.lineage, open) : { store: out, key: 'lineage.jsonl' },
      print: log,
      epochs: spec.epochs,
    });
    log(
      resumed
        ? `resuming ${spec.runId} from ${out.uri}/${resumed.prefix} (epoch ${state.epoch}, step ${state.globalStep})`
        : `training ${spec.runId}: ${graph.name} on ${spec.dataset.name} (${data.train.count} training images) → ${out.uri}`,
    );
    logs.modelSummary(graph, !resumed);
    await logs.training({
      candidate: spec.candidate ?? spec.runId,
      runId: spec.runId,
      status: 'started',
      epochs: state.epoch,
      metrics: {},
      wallSeconds: state.wallSeconds,
    });
    const base = state.wallSeconds;
    const ctx: RunContext = {
      spec,
      data,
      out,
      graph,
      model,
      stepper,
      teacher,
      logs,
      state,
      wallSeconds: () => base + (performance.now() - started) / 1000,
      onProgress: opts.onProgress,
      signal: opts.signal,
      heartbeatSeconds: opts.heartbeatSeconds ?? 5,
      backend,
    };
    const outcome = await trainEpochs(ctx);
    return await finishRun(ctx, outcome, resumedFromEpoch);
  } finally {
    stepper.dispose();
    model.dispose();
  }
}

function freshState(spec: TrainSpec, data: TrainingData): TrainState {
  return {
    format: 'netgrow.trainstate/v1',
    runId: spec.runId,
    epoch: 0,
    globalStep: 0,
    samplesSeen: 0,
    partial: null,
    schedule: { lr: spec.optimizer.lr, best: null, wait: 0 },
    earlyStopping: { best: null, wait: 0 },
    lossWindow: [],
    rng: new Rng(spec.seed).fork('train').state(),
    history: [],
    wallSeconds: 0,
    fingerprint: fingerprint(spec, data),
    optimizer: { meta: { kind: spec.optimizer.kind, iterations: 0, slots: [] }, sha256: '', bytes: 0 },
  };
}

/** What a resumed run must share with the one it continues, or its batches would differ. */
function fingerprint(spec: TrainSpec, data: TrainingData): Record<string, unknown> {
  return {
    seed: spec.seed,
    batchSize: spec.batchSize,
    dataset: data.key,
    trainRows: data.train.count,
    optimizer: spec.optimizer.kind,
    distill: spec.distill.enabled,
  };
}

async function resumeFrom(out: ArtifactStore, spec: TrainSpec, data: TrainingData) {
  const prefix = await findResumePoint(out);
  if (!prefix) return null;
  const loaded = await loadTrainCheckpoint(out, prefix);
  const want = fingerprint(spec, data);
  for (const [k, v] of Object.entries(want)) {
    if (JSON.stringify(loaded.state.fingerprint[k]) !== JSON.stringify(v)) {
      throw new StartError(
        `cannot resume ${out.uri}/${prefix}: it was trained with ${k} ${JSON.stringify(loaded.state.fingerprint[k])}, the spec gives ${JSON.stringify(v)}; use the original spec, --no-resume, or a new output`,
      );
    }
  }
  return loaded;
}

/** A fresh run must not leave an older run's checkpoints for a later resume to pick up. */
async function clearCheckpoints(out: ArtifactStore): Promise<void> {
  const epochs = new Set((await out.list('epochs/')).map((k) => k.split('/').slice(0, 2).join('/')));
  for (const prefix of [...epochs, INTERRUPTED]) await removeCheckpoint(out, prefix);
}
