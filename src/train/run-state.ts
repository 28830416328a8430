/**
 * Resumable training checkpoints: the network (a plain netgrow checkpoint) plus everything
 * else a resumed run needs to continue exactly where the first one was: optimizer slots
 * (optimizer.bin), schedule and early-stopping state, the divergence window, the RNG position
 * and the metrics so far. The extra state rides in meta.json's `extra.train`, and meta.json is
 * written last, so a checkpoint is either complete or absent.
 *
 * Layout under the run folder: `epochs/<n>/` after epoch n, `interrupted/` when a run stops
 * mid-epoch (SIGTERM, abort); a resume takes whichever is further along.
 */
import { z } from 'zod';
import { Graph, Weights } from '../graph';
import { CheckpointError, parseJson, readCheckpoint, writeCheckpoint } from '../model/checkpoint';
import { sha256Hex } from '../storage/integrity';
import { ArtifactStore, StorageError } from '../storage/store';
import { OptimizerState, OptimizerStateMeta } from './optimizer';
import type { Trainer } from './trainer';
import { LineagePosition } from './continuation';
import { EarlyStoppingState, ScheduleState } from './schedule';

export const EpochRecord = z.strictObject({
  epoch: z.number().int().positive(),
  step: z.number().int().min(0),
  loss: z.number(),
  acc: z.number(),
  valLoss: z.number().nullable(),
  valAcc: z.number().nullable(),
  lr: z.number(),
  seconds: z.number(),
});
export type EpochRecord = z.infer<typeof EpochRecord>;

/** Running sums of the epoch in progress, so its averages come out the same after a resume. */
export const PartialEpoch = z.strictObject({
  steps: z.number().int().min(0),
  lossSum: z.number(),
  correct: z.number(),
  labelled: z.number(),
  seconds: z.number(),
});
export type PartialEpoch = z.infer<typeof PartialEpoch>;

export const TrainState = z.strictObject({
  format: z.literal('netgrow.trainstate/v1'),
  runId: z.string(),
  /** Epochs completed. */
  epoch: z.number().int().min(0),
  /** Optimizer steps in total. */
  globalStep: z.number().int().min(0),
  /**
   * Training rows the steps went through (labelled and transfer rows; the FLOP count's sample
   * count). Absent in checkpoints from before it was counted: such a run reports no FLOPs.
   */
  samplesSeen: z.number().int().min(0).optional(),
  /**
   * Training FLOPs so far: each step's rows × the (forward + backward) FLOPs per sample of the
   * network it trained (scheduled growth changes the network within a run). Absent in
   * checkpoints from before it was counted: the result then counts samplesSeen × the last network.
   */
  trainFlops: z.number().min(0).optional(),
  /** Progress into epoch `epoch + 1` (null at an epoch boundary). */
  partial: PartialEpoch.nullable(),
  schedule: ScheduleState,
  earlyStopping: EarlyStoppingState,
  /** Recent losses the divergence median is taken over. */
  lossWindow: z.array(z.number()),
  rng: z.array(z.number().int()),
  history: z.array(EpochRecord),
  wallSeconds: z.number(),
  /** What must not change across a resume (the batch order and the data depend on it). */
  fingerprint: z.record(z.string(), z.unknown()),
  optimizer: z.strictObject({ meta: OptimizerStateMeta, sha256: z.string(), bytes: z.number().int() }),
  /**
   * Where this run started on its lineage (`continue: lineage`): the epochs and steps of the
   * runs before it. Absent in restart mode and in checkpoints from before lineage training.
   */
  lineageStart: LineagePosition.optional(),
  /** Growth points of the spec's `grow` applied to the network this checkpoint holds (absent: 0). */
  grown: z.number().int().min(0).optional(),
});
export type TrainState = z.infer<typeof TrainState>;

const OPTIMIZER_FILE = 'optimizer.bin';
export const INTERRUPTED = 'interrupted';
export const epochPrefix = (epoch: number): string => `epochs/${epoch}`;

export async function saveTrainCheckpoint(
  store: ArtifactStore,
  prefix: string,
  graph: Graph,
  weights: Weights,
  optimizer: OptimizerState,
  state: Omit<TrainState, 'optimizer' | 'format'>,
  operation: string,
): Promise<void> {
  const body = new Uint8Array(optimizer.data.buffer, optimizer.data.byteOffset, optimizer.data.byteLength);
  // A stale meta.json must not vouch for the optimizer file about to be replaced.
  if (await store.exists(`${prefix}/meta.json`)) await store.delete(`${prefix}/meta.json`);
  await store.put(`${prefix}/${OPTIMIZER_FILE}`, body);
  const full: TrainState = {
    format: 'netgrow.trainstate/v1',
    ...state,
    optimizer: { meta: optimizer.meta, sha256: sha256Hex(body), bytes: body.byteLength },
  };
  const last = state.history.at(-1);
  await writeCheckpoint(store, prefix, graph, weights, {
    operation,
    metrics: last ? { loss: last.loss, acc: last.acc, val_loss: last.valLoss, val_acc: last.valAcc } : {},
    extra: { train: full },
  });
}

export interface LoadedTrainCheckpoint {
  prefix: string;
  graph: Graph;
  weights: Weights;
  state: TrainState;
  optimizer: OptimizerState;
}

export async function loadTrainCheckpoint(
  store: ArtifactStore,
  prefix: string,
): Promise<LoadedTrainCheckpoint> {
  const ckpt = await readCheckpoint(store, prefix);
  const parsed = TrainState.safeParse(ckpt.meta.extra.train);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new CheckpointError(
      'format',
      `${store.uri}/${prefix}/meta.json holds no usable training state (extra.train.${i.path.join('.')}: ${i.message}); start without --resume`,
    );
  }
  const state = parsed.data;
  const body = await store.get(`${prefix}/${OPTIMIZER_FILE}`);
  if (sha256Hex(body) !== state.optimizer.sha256 || body.byteLength !== state.optimizer.bytes) {
    throw new CheckpointError(
      'integrity',
      `${store.uri}/${prefix}/${OPTIMIZER_FILE} is damaged (sha256 differs from meta.json); resume from an earlier epoch or start again`,
    );
  }
  // Copy into an aligned buffer: a Uint8Array view may start at any byte offset.
  const data = new Float32Array(body.slice().buffer);
  return {
    prefix,
    graph: ckpt.graph,
    weights: ckpt.weights,
    state,
    optimizer: { meta: state.optimizer.meta, data },
  };
}

/**
 * The checkpoint a resume starts from: the last complete `epochs/<n>/`, or `interrupted/` when
 * it is further along. Null when the run folder holds none.
 */
export async function findResumePoint(store: ArtifactStore): Promise<string | null> {
  const metas = await store.list('epochs/');
  const epochs = metas
    .map((k) => /^epochs\/(\d+)\/meta\.json$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  let best: { prefix: string; step: number } | null = null;
  if (epochs.length > 0) {
    const prefix = epochPrefix(epochs[0]);
    best = { prefix, step: await stepOf(store, prefix) };
  }
  if (await store.exists(`${INTERRUPTED}/meta.json`)) {
    const step = await stepOf(store, INTERRUPTED);
    if (!best || step > best.step) best = { prefix: INTERRUPTED, step };
  }
  return best?.prefix ?? null;
}

async function stepOf(store: ArtifactStore, prefix: string): Promise<number> {
  try {
    const meta = parseJson(
      await store.getText(`${prefix}/meta.json`),
      `${store.uri}/${prefix}/meta.json`,
    ) as {
      extra?: { train?: { globalStep?: unknown } };
    };
    const step = meta.extra?.train?.globalStep;
    return typeof step === 'number' ? step : -1;
  } catch (e) {
    if (e instanceof StorageError && e.code === 'not_found') return -1;
    throw e;
  }
}

/** Restores the optimizer, with a message that says what to do when it does not fit. */
export async function restoreOptimizer(
  trainer: Trainer,
  saved: OptimizerState,
  where: string,
): Promise<void> {
  try {
    await trainer.loadOptimizer(saved);
  } catch (e) {
    throw new CheckpointError(
      'format',
      `${where}: ${(e as Error).message}; resume with the original spec or start without --resume`,
    );
  }
}

/** Deletes a checkpoint folder, meta.json first so that it reads as absent at once. */
export async function removeCheckpoint(store: ArtifactStore, prefix: string): Promise<void> {
  const keys = await store.list(`${prefix}/`);
  keys.sort((a, b) => Number(b.endsWith('/meta.json')) - Number(a.endsWith('/meta.json')));
  for (const k of keys) await store.delete(k);
}
