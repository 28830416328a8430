/**
 * The epoch/step loop of a run. Every step is checked for divergence; a stop request ends the
 * loop after the current step with a mid-epoch checkpoint; an epoch ends with validation,
 * schedule and early-stopping updates, its log rows and its checkpoint.
 */
import { countFlops, Graph, Rng } from '../graph';
import { ArtifactStore } from '../storage/store';
import { Batch, stepsPerEpoch, TrainingData } from './data';
import { DivergenceMonitor } from './divergence';
import { RunLogs } from './run-logs';
import {
  EpochRecord,
  epochPrefix,
  INTERRUPTED,
  PartialEpoch,
  removeCheckpoint,
  saveTrainCheckpoint,
  TrainState,
} from './run-state';
import { scheduleClock } from './continuation';
import { EarlyStopping, LrSchedule } from './schedule';
import { warmupFactor } from './warmup';
import { BackendChoice, TrainSpec } from '../contracts/train';
import { StepBatch } from './step';
import { Trainer } from './trainer';
import { TeacherLogits } from './teacher';
import { outOfMemoryAbove, holdMemoryPerRow } from '../backend/out-of-memory';

export interface TrainProgress {
  /** 1-based epoch in progress (or just finished). */
  epoch: number;
  /** Optimizer steps so far in the whole run. */
  step: number;
  stepsPerEpoch: number;
  /** Running averages of the epoch so far. */
  loss: number | null;
  acc: number | null;
  /** Of the last finished epoch. */
  valAcc: number | null;
  /** True on the beat that ends an epoch (its checkpoint is written). */
  epochDone: boolean;
}

export interface RunContext {
  spec: TrainSpec;
  data: TrainingData;
  out: ArtifactStore;
  graph: Graph;
  /** The network's step, scoring and state, on the engine the run trains with. */
  trainer: Trainer;
  teacher: TeacherLogits | null;
  logs: RunLogs;
  /** Mutated as the run goes; what each checkpoint saves. */
  state: TrainState;
  /** Wall seconds of earlier processes plus this one, at any moment. */
  wallSeconds: () => number;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  heartbeatSeconds: number;
  /** The backend this run trains on and why (result.json), when the run chose it. */
  backend?: BackendChoice;
}

export type Outcome =
  | { kind: 'completed'; reason: 'epochs' | 'early-stopping' | 'max-steps' }
  | { kind: 'stopped'; checkpoint: string }
  | { kind: 'diverged'; epoch: number; step: number; reason: string; lossTail: (number | null)[] };

const TAIL = 20;
const now = (): number => performance.now() / 1000;

export async function trainEpochs(ctx: RunContext): Promise<Outcome> {
  const { spec, data, state, logs } = ctx;
  const perEpoch = stepsPerEpoch(data, spec.batchSize);
  // Test seams: NETGROW_TEST_OOM_ABOVE_BATCH makes a step over that many rows run out of
  // memory; NETGROW_TEST_HOLD_MB_PER_ROW makes a step hold memory in proportion to its rows.
  const overMemory = outOfMemoryAbove();
  const holdMemory = holdMemoryPerRow();
  const clock = scheduleClock(spec, state.lineageStart);
  const schedule = new LrSchedule(spec.schedule, spec.optimizer.lr, clock.length, state.schedule);
  const early = new EarlyStopping(
    spec.earlyStopping.patience,
    spec.earlyStopping.minDelta,
    state.earlyStopping,
  );
  const monitor = new DivergenceMonitor(
    { multiple: spec.divergence.medianMultiple, window: spec.divergence.window, classes: data.numClasses },
    state.lossWindow,
  );
  const rng = Rng.fromState(state.rng);
  // This call trains one network: scheduled growth starts a new call after each growth point.
  const flopsPerSample = countFlops(ctx.graph).trainFlops;
  // Both on the lineage's clock: a child continuing its lineage is past the warm-up its start
  // network had (a restarted run's clock starts at 0, so it warms up again).
  const rateAt = (epoch: number, step: number): number =>
    schedule.lrAt(clock.offset + epoch, step / perEpoch) *
    warmupFactor(spec.schedule.warmupEpochs, clock.offset + epoch, step, perEpoch);
  const tail: number[] = [];
  let beat = now();

  const checkpoint = async (prefix: string): Promise<void> => {
    state.schedule = schedule.snapshot();
    state.earlyStopping = early.snapshot();
    state.lossWindow = monitor.history();
    state.rng = rng.state();
    state.wallSeconds = ctx.wallSeconds();
    const weights = await ctx.trainer.weights();
    const { optimizer: _, format: __, ...rest } = state;
    await saveTrainCheckpoint(
      ctx.out,
      prefix,
      ctx.graph,
      weights,
      await ctx.trainer.optimizerState(),
      rest,
      `train:${spec.runId}`,
    );
  };
  const progress = (epoch: number, p: PartialEpoch, epochDone: boolean): void => {
    beat = now();
    ctx.onProgress?.({
      epoch,
      step: state.globalStep,
      stepsPerEpoch: perEpoch,
      loss: p.labelled ? p.lossSum / p.labelled : null,
      acc: p.labelled ? p.correct / p.labelled : null,
      valAcc: state.history.at(-1)?.valAcc ?? null,
      epochDone,
    });
  };

  for (let epoch = state.epoch + 1; epoch <= spec.epochs; epoch++) {
    // A pause (the search's rung) falls between epochs; checked here so a resumed retry pauses too.
    if (spec.pauseAfterEpoch > 0 && epoch > spec.pauseAfterEpoch && state.partial === null) {
      return { kind: 'stopped', checkpoint: epochPrefix(epoch - 1) };
    }
    const p: PartialEpoch = state.partial ?? { steps: 0, lossSum: 0, correct: 0, labelled: 0, seconds: 0 };
    state.partial = null;
    let t = now();
    let rowAt = { t, step: state.globalStep };
    let lr = rateAt(epoch - 1, p.steps);
    let seen = 0;
    let maxed = false;
    for (const batch of data.epochBatches(epoch - 1, spec.batchSize)) {
      if (seen++ < p.steps) continue; // covered by the checkpoint this run resumed from
      lr = rateAt(epoch - 1, p.steps);
      const rows = stepBatch(batch, ctx.teacher, data, rng);
      overMemory?.(rows.rows);
      holdMemory?.(rows.rows);
      const r = await ctx.trainer.step(rows, lr);
      state.globalStep++;
      if (state.samplesSeen !== undefined) state.samplesSeen += rows.rows;
      if (state.trainFlops !== undefined) state.trainFlops += rows.rows * flopsPerSample;
      p.steps++;
      p.lossSum += r.loss * batch.size;
      p.correct += r.correct;
      p.labelled += batch.size;
      tail.push(r.loss);
      if (tail.length > TAIL) tail.shift();
      const why = monitor.check(r.loss);
      const rowDue = why !== null || state.globalStep % spec.logEverySteps === 0;
      if (rowDue) {
        const t2 = now();
        logs.stepRow({
          epoch,
          step: state.globalStep,
          loss: why ? r.loss : p.lossSum / p.labelled,
          acc: p.correct / p.labelled,
          lr,
          seconds: t2 - rowAt.t,
          samplesPerSec: ((state.globalStep - rowAt.step) * spec.batchSize) / Math.max(t2 - rowAt.t, 1e-9),
        });
        rowAt = { t: t2, step: state.globalStep };
      }
      if (why) {
        await logs.flush();
        const lossTail = tail.map((l) => (Number.isFinite(l) ? l : null));
        return { kind: 'diverged', epoch, step: state.globalStep, reason: why, lossTail };
      }
      if (rowDue || now() - beat >= ctx.heartbeatSeconds) progress(epoch, p, false);
      // An eager step is synchronous; without a turn of the event loop a SIGTERM would wait for the epoch's end.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (ctx.signal?.aborted) {
        p.seconds += now() - t;
        state.partial = p;
        await checkpoint(INTERRUPTED);
        await logs.flush();
        return { kind: 'stopped', checkpoint: INTERRUPTED };
      }
      if (spec.maxSteps > 0 && state.globalStep >= spec.maxSteps) {
        maxed = true;
        break;
      }
    }
    p.seconds += now() - t;
    const val = data.val ? await ctx.trainer.evaluate(data.val) : null;
    const record: EpochRecord = {
      epoch,
      step: state.globalStep,
      loss: p.lossSum / Math.max(p.labelled, 1),
      acc: p.correct / Math.max(p.labelled, 1),
      valLoss: val?.loss ?? null,
      valAcc: val?.acc ?? null,
      lr,
      seconds: p.seconds,
    };
    state.history.push(record);
    state.epoch = epoch;
    schedule.endEpoch(record.valLoss ?? record.loss);
    const stop = early.endEpoch(record.valAcc ?? record.acc);
    await logs.epochRow({ ...record, samplesPerSec: p.labelled / Math.max(p.seconds, 1e-9) });
    await checkpoint(epochPrefix(epoch));
    if (epoch > spec.keepCheckpoints)
      await removeCheckpoint(ctx.out, epochPrefix(epoch - spec.keepCheckpoints));
    progress(epoch, p, true);
    t = now();
    if (stop) return { kind: 'completed', reason: 'early-stopping' };
    if (maxed) return { kind: 'completed', reason: 'max-steps' };
    if (ctx.signal?.aborted) return { kind: 'stopped', checkpoint: epochPrefix(epoch) };
  }
  return { kind: 'completed', reason: 'epochs' };
}

/**
 * The step's rows: the labelled batch, then (distillation with transfer data) as many transfer
 * images drawn with the run's RNG; teacher logits looked up by training row.
 */
function stepBatch(batch: Batch, teacher: TeacherLogits | null, data: TrainingData, rng: Rng): StepBatch {
  if (!teacher) return { x: batch.x, y: batch.y, rows: batch.size, labelled: batch.size };
  const c = teacher.manifest.classes;
  const transfer = data.transfer && data.transfer.count > 0 ? data.transfer : null;
  const extra = transfer ? batch.size : 0;
  const rows = batch.size + extra;
  const per = data.inputShape.reduce((a, b) => a * b, 1);
  const soft = new Float32Array(rows * c);
  for (let i = 0; i < batch.size; i++) {
    const r = batch.rows[i];
    soft.set(teacher.data.subarray(r * c, (r + 1) * c), i * c);
  }
  if (!transfer) return { x: batch.x, y: batch.y, rows, labelled: batch.size, teacher: soft };
  const x = new Float32Array(rows * per);
  x.set(batch.x.subarray(0, batch.size * per));
  const y = new Int32Array(rows);
  y.set(batch.y.subarray(0, batch.size));
  for (let i = 0; i < extra; i++) {
    const j = rng.int(transfer.count);
    x.set(transfer.x.subarray(j * per, (j + 1) * per), (batch.size + i) * per);
    const r = teacher.manifest.trainRows + j;
    soft.set(teacher.data.subarray(r * c, (r + 1) * c), (batch.size + i) * c);
  }
  return { x, y, rows, labelled: batch.size, teacher: soft };
}
