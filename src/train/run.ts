/**
 * `runTraining`: one training run from a TrainSpec, in process — what `netgrow train --spec`
 * calls, and what the orchestration layer calls directly in tests. A custom loop (loop.ts)
 * rather than `model.fit`, so every step can be checked for divergence, a stop request can
 * checkpoint mid-epoch, and a resume replays exactly.
 */
import { loadStagedTrainingData } from './staged-data';
import { Graph, Rng, Weights } from '../graph';
import { openStore } from '../storage/open';
import { ArtifactStore } from '../storage/store';
import { TrainingData } from './data';
import { finishRun } from './finish';
import { locateFile, StoreOpener } from '../storage/locate';
import { RunContext, TrainProgress } from './loop';
import { growthEpochs, trainGrowing } from './grow';
import { askedTrainBackend } from '../backend/select';
import { tf } from '../backend/tf';
import { Carried, Continuation, readContinuation, scheduleClock } from './continuation';
import { OptimizerState } from './optimizer';
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
import { parseTrainSpec, SpecError } from './spec-errors';
import { ResolvedNetwork, resolveNetwork, StartError } from '../model/resolve';
import { eagerTrainer, EngineName, Trainer, TrainerOptions } from './trainer';
import { graphTrainer } from './graph-trainer';
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
  /**
   * How to load the dataset when `data` is not given; default: from where it is on this
   * machine, else from the staged copy the spec names (staged-data.ts).
   */
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
  const growth = growthEpochs(spec);
  const open = opts.openStore ?? openStore;
  const out = opts.store ?? open(spec.output);
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const data =
    opts.data ?? (await (opts.loadData ?? ((s) => loadStagedTrainingData(s, { open, log })))(spec));

  const resumed = spec.resume ? await resumeFrom(out, spec, data) : null;
  if (!resumed) await clearCheckpoints(out);
  const start = resumed
    ? null
    : await resolveNetwork(spec.checkpoint, { open, seed: spec.seed, data, fit: true });
  const { graph, weights } = resumed ?? start!;
  const carried = start ? await carriedState(spec, start, open) : null;
  const state: TrainState = resumed?.state ?? freshState(spec, data, carried?.continuation ?? null);
  const resumedFromEpoch = resumed ? state.epoch : null;

  const backend = await opts.chooseBackend?.({
    graph,
    weights,
    batch: spec.batchSize,
    inputShape: data.inputShape,
    classes: data.numClasses,
    optimizer: spec.optimizer,
  });
  const engine = trainEngine(spec, backend);
  const trainerOptions: TrainerOptions = {
    optimizer: spec.optimizer,
    inputShape: data.inputShape,
    classes: data.numClasses,
    l2: spec.l2,
    weightDecay: spec.weightDecay,
    labelSmoothing: spec.labelSmoothing,
    clipNorm: spec.clipNorm,
    distill: spec.distill.enabled ? spec.distill : undefined,
  };
  const makeTrainer = async (g: Graph, w: Weights): Promise<Trainer> =>
    engine === 'graph' ? graphTrainer(g, w, trainerOptions) : eagerTrainer(g, w, trainerOptions);
  // What the run trains now: scheduled growth replaces it (grow.ts).
  let live: Pick<RunContext, 'trainer'> = { trainer: await makeTrainer(graph, weights) };
  const trainer = live.trainer;
  try {
    if (resumed) await restoreOptimizer(trainer, resumed.optimizer, `${out.uri}/${resumed.prefix}`);
    else if (carried?.optimizer) await loadCarried(trainer, carried.optimizer, spec.checkpoint, log);
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
    if (state.lineageStart && !resumed) {
      const { offset, length } = scheduleClock(spec, state.lineageStart);
      log(
        `continuing the lineage at epoch ${offset} of ${length} (step ${state.lineageStart.steps})` +
          (carried?.optimizer
            ? `, optimizer state carried (${carried.optimizer.meta.iterations} iterations)`
            : ''),
      );
    }
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
      trainer,
      teacher,
      logs,
      state,
      wallSeconds: () => base + (performance.now() - started) / 1000,
      onProgress: opts.onProgress,
      signal: opts.signal,
      heartbeatSeconds: opts.heartbeatSeconds ?? 5,
      backend: backend ?? inProcess(engine),
    };
    live = ctx;
    const outcome = await trainGrowing(ctx, growth, makeTrainer, log);
    return await finishRun(ctx, outcome, resumedFromEpoch);
  } finally {
    live.trainer.dispose();
  }
}

/**
 * The graph engine when the run's backend is `graph`: chosen, or, when the caller chooses none
 * (in process), asked for by the spec or NETGROW_BACKEND; else tfjs eager on the process's
 * backend, which must then be the one the spec asks for.
 */
function trainEngine(spec: TrainSpec, backend: BackendChoice | undefined): EngineName {
  if (backend) return backend.name === 'graph' ? 'graph' : 'eager';
  if (spec.backend === 'graph') return 'graph';
  if (spec.backend && spec.backend !== tf.getBackend()) {
    throw new SpecError(
      `train spec: backend ${spec.backend}: this process trains on ${tf.getBackend()} (an in-process run keeps its process's backend); use the process executor, or backend ${tf.getBackend()}`,
    );
  }
  return askedTrainBackend() === 'graph' ? 'graph' : 'eager';
}

/** What an in-process run (one that chose no backend) trained on, for its result.json. */
function inProcess(engine: EngineName): BackendChoice {
  return engine === 'graph'
    ? {
        name: 'graph',
        how: 'process',
        why: 'in process: the graph engine, asked for by the spec or NETGROW_BACKEND',
      }
    : {
        name: tf.getBackend() as BackendChoice['name'],
        how: 'process',
        why: "in process: this process's backend",
      };
}

function freshState(spec: TrainSpec, data: TrainingData, carried: Continuation | null): TrainState {
  // A plateau's reduced rate carries over, scaled when this run's base rate differs (a retry's).
  const schedule = carried
    ? { ...carried.schedule, lr: (carried.schedule.lr * spec.optimizer.lr) / carried.baseLr }
    : { lr: spec.optimizer.lr, best: null, wait: 0 };
  return {
    format: 'netgrow.trainstate/v1',
    runId: spec.runId,
    epoch: 0,
    globalStep: 0,
    samplesSeen: 0,
    trainFlops: 0,
    partial: null,
    schedule,
    earlyStopping: { best: null, wait: 0 },
    lossWindow: [],
    rng: new Rng(spec.seed).fork('train').state(),
    history: [],
    wallSeconds: 0,
    fingerprint: fingerprint(spec, data),
    optimizer: { meta: { kind: spec.optimizer.kind, iterations: 0, slots: [] }, sha256: '', bytes: 0 },
    ...(spec.continue === 'lineage'
      ? { lineageStart: { epochs: carried?.epochs ?? 0, steps: carried?.steps ?? 0 } }
      : {}),
  };
}

/** In lineage mode, what the start checkpoint carries from its lineage (nothing for a fresh network). */
async function carriedState(
  spec: TrainSpec,
  start: ResolvedNetwork,
  open: StoreOpener,
): Promise<Carried | null> {
  if (spec.continue !== 'lineage' || start.kind !== 'checkpoint' || !start.meta) return null;
  return readContinuation(open(spec.checkpoint), '', start.meta);
}

/** The carried optimizer state, unless this run's optimizer cannot take it (then it starts fresh, said so). */
async function loadCarried(
  trainer: Trainer,
  carried: OptimizerState,
  where: string,
  log: (line: string) => void,
): Promise<void> {
  const why = trainer.misfit(carried.meta);
  if (why) log(`not loading the optimizer state carried by ${where}: ${why}; starting it fresh`);
  else await restoreOptimizer(trainer, carried, where);
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
    // Only in lineage mode, so that checkpoints from before it still resume.
    ...(spec.continue === 'lineage' ? { continue: 'lineage', lineageEpochs: spec.lineageEpochs } : {}),
    ...(spec.grow.length > 0 ? { grow: spec.grow } : {}),
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
