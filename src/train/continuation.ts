/**
 * Lineage-continuous training (`continue: lineage`): what a trained checkpoint hands on so that
 * its children go on training where it stopped instead of starting over — the lineage's
 * position on its schedule (epochs and optimizer steps so far), the schedule's own state (a
 * plateau's reduced rate) and the optimizer state (optimizer.bin beside the weights). The
 * trainer writes it into `final/`, the mutate activity carries it through the morphism into
 * the child's checkpoint (activities/mutate.ts), and the child's run starts from it.
 * It rides in the checkpoint's meta.json as `extra.continuation`; meta.json is written last and
 * holds optimizer.bin's sha256, so a carried state is complete or absent.
 */
import { z } from 'zod';
import { TrainSpec } from '../contracts/train';
import { CheckpointError, CheckpointMeta } from '../model/checkpoint';
import { sha256Hex } from '../storage/integrity';
import { ArtifactStore, StorageError } from '../storage/store';
import { OptimizerState, OptimizerStateMeta } from './optimizer';
import { ScheduleState } from './schedule';

export const OPTIMIZER_FILE = 'optimizer.bin';

/** optimizer.bin's manifest, as an epoch checkpoint's training state holds it too. */
export const OptimizerFile = z.strictObject({
  meta: OptimizerStateMeta,
  sha256: z.string(),
  bytes: z.number().int(),
});
export type OptimizerFile = z.infer<typeof OptimizerFile>;

/** Where a lineage stands on its schedule: the epochs and optimizer steps of all its runs so far. */
export const LineagePosition = z.strictObject({
  epochs: z.number().int().min(0),
  steps: z.number().int().min(0),
});
export type LineagePosition = z.infer<typeof LineagePosition>;

export const Continuation = LineagePosition.extend({
  /** The base rate `schedule` was reached with: a retry at a lower rate scales a plateau's rate with it. */
  baseLr: z.number().positive(),
  schedule: ScheduleState,
  /** Null when the optimizer keeps no state (SGD without momentum). */
  optimizer: OptimizerFile.nullable(),
});
export type Continuation = z.infer<typeof Continuation>;

/**
 * The run's place on its schedule: in lineage mode the schedule spans `lineageEpochs` and the
 * run starts at the epochs its lineage trained before it (past the end a cosine stays at its
 * end rate); in restart mode the schedule is the run's own.
 */
export function scheduleClock(
  spec: Pick<TrainSpec, 'continue' | 'lineageEpochs' | 'epochs'>,
  start: LineagePosition | undefined,
): { offset: number; length: number } {
  if (spec.continue !== 'lineage') return { offset: 0, length: spec.epochs };
  const offset = start?.epochs ?? 0;
  return { offset, length: spec.lineageEpochs ?? offset + spec.epochs };
}

export interface Carried {
  continuation: Continuation;
  optimizer: OptimizerState | null;
}

/** Writes optimizer.bin under `prefix`; returns the record for meta.json's `extra.continuation`. */
export async function putContinuation(
  store: ArtifactStore,
  prefix: string,
  position: Omit<Continuation, 'optimizer'>,
  optimizer: OptimizerState | null,
): Promise<Continuation> {
  if (!optimizer || optimizer.meta.slots.length === 0) return { ...position, optimizer: null };
  const body = bytesOf(optimizer.data);
  await store.put(join(prefix, OPTIMIZER_FILE), body);
  return {
    ...position,
    optimizer: { meta: optimizer.meta, sha256: sha256Hex(body), bytes: body.byteLength },
  };
}

/** The continuation a checkpoint carries, with its optimizer state checked; null when it has none. */
export async function readContinuation(
  store: ArtifactStore,
  prefix: string,
  meta: CheckpointMeta,
): Promise<Carried | null> {
  const raw = meta.extra.continuation;
  if (raw === undefined) return null;
  const where = `${store.uri}/${join(prefix, 'meta.json')}`;
  const parsed = Continuation.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new CheckpointError(
      'format',
      `${where}: extra.continuation.${i.path.join('.')}: ${i.message}; use continue: restart`,
    );
  }
  const continuation = parsed.data;
  if (!continuation.optimizer) return { continuation, optimizer: null };
  const file = continuation.optimizer;
  const body = await store.get(join(prefix, OPTIMIZER_FILE)).catch((e: unknown) => {
    if (e instanceof StorageError && e.code === 'not_found') return null;
    throw e;
  });
  if (!body || sha256Hex(body) !== file.sha256 || body.byteLength !== file.bytes) {
    throw new CheckpointError(
      'integrity',
      `${store.uri}/${join(prefix, OPTIMIZER_FILE)} is ${body ? 'damaged (sha256 differs from meta.json)' : 'missing'}; train that run again, or use continue: restart`,
    );
  }
  // Copy into an aligned buffer: a Uint8Array view may start at any byte offset.
  return { continuation, optimizer: { meta: file.meta, data: new Float32Array(body.slice().buffer) } };
}

export function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const join = (prefix: string, file: string): string =>
  prefix ? `${prefix.replace(/\/+$/, '')}/${file}` : file;
