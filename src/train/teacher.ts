/**
 * Teacher logits for distillation: computed once per (teacher, dataset, seed) and cached next
 * to the teacher checkpoint, or read from a logits file. Row i is the teacher's logits for
 * training example i; rows after the training set belong to the transfer images.
 *
 * A logits file is two objects: `<name>.json` (this manifest, written last) and `<name>.bin`
 * (float32 little-endian, rows × classes).
 */
import { z } from 'zod';
import { Shape } from '../graph';
import { buildModel, predict } from '../model/build';
import { readCheckpoint } from '../model/checkpoint';
import { sha256Hex } from '../storage/integrity';
import { ArtifactStore, StorageError } from '../storage/store';
import { locateFile, StoreOpener } from '../storage/locate';
import { NetgrowError } from '../contracts/errors';

export const LogitsManifest = z.strictObject({
  format: z.literal('netgrow.logits/v1'),
  rows: z.number().int().min(0),
  classes: z.number().int().positive(),
  /** How many leading rows are training examples; the rest are transfer images. */
  trainRows: z.number().int().min(0),
  sha256: z.string(),
  /** What the rows were computed on (teacher weights, dataset key), for humans and cache checks. */
  source: z.record(z.string(), z.unknown()).default({}),
});
export type LogitsManifest = z.infer<typeof LogitsManifest>;

export interface TeacherLogits {
  manifest: LogitsManifest;
  data: Float32Array;
}

export class TeacherError extends NetgrowError {
  readonly code = 'teacher';
  constructor(message: string) {
    super(message, 'input');
    this.name = 'TeacherError';
  }
}

const base = (key: string): string => key.replace(/\.(json|bin)$/, '');

export async function writeLogits(store: ArtifactStore, key: string, logits: TeacherLogits): Promise<void> {
  const k = base(key);
  const d = logits.data;
  await store.put(`${k}.bin`, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  await store.put(`${k}.json`, JSON.stringify(logits.manifest, null, 1) + '\n');
}

export async function readLogits(store: ArtifactStore, key: string): Promise<TeacherLogits> {
  const k = base(key);
  const where = `${store.uri}/${k}`;
  const parsed = LogitsManifest.safeParse(JSON.parse(await store.getText(`${k}.json`)));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new TeacherError(`${where}.json is not a logits manifest: ${i.path.join('.')}: ${i.message}`);
  }
  const body = await store.get(`${k}.bin`);
  const m = parsed.data;
  if (sha256Hex(body) !== m.sha256 || body.byteLength !== m.rows * m.classes * 4) {
    throw new TeacherError(
      `${where}.bin is damaged or incomplete (sha256/size differ from ${k}.json); delete both files to recompute`,
    );
  }
  return { manifest: m, data: new Float32Array(body.slice().buffer) };
}

export interface TeacherInputs {
  inputShape: Shape;
  numClasses: number;
  train: { x: Float32Array; count: number };
  transfer: { x: Float32Array; count: number } | null;
  /** Identifies the exact rows (dataset spec + seed): part of the cache key. */
  datasetKey: string;
}

/**
 * The teacher's logits on the training rows then the transfer rows: from `logitsUri`, or
 * from the cache next to `teacherUri`, or computed (and cached there, when writable).
 */
export async function teacherLogits(
  opts: { teacherUri?: string; logitsUri?: string },
  inputs: TeacherInputs,
  open: StoreOpener,
  log: (line: string) => void,
): Promise<TeacherLogits> {
  const rows = inputs.train.count + (inputs.transfer?.count ?? 0);
  if (opts.logitsUri) {
    const { store, key } = locateFile(opts.logitsUri, open);
    const logits = await readLogits(store, key);
    checkFits(logits.manifest, rows, inputs, opts.logitsUri);
    return logits;
  }
  if (!opts.teacherUri) {
    throw new TeacherError(
      'distill.enabled needs distill.teacher (a checkpoint URI) or distill.logits (a logits file URI)',
    );
  }
  const store = open(opts.teacherUri);
  const ckpt = await readCheckpoint(store, '');
  const cacheKey = `logits/${sha256Hex(`${ckpt.meta.files['weights.bin'].sha256}|${inputs.datasetKey}`).slice(0, 16)}`;
  try {
    const cached = await readLogits(store, cacheKey);
    checkFits(cached.manifest, rows, inputs, `${store.uri}/${cacheKey}`);
    log(`teacher logits: cached at ${store.uri}/${cacheKey}.json`);
    return cached;
  } catch (e) {
    if (!(e instanceof StorageError && e.code === 'not_found'))
      log(`teacher logits: cache unusable (${(e as Error).message}); recomputing`);
  }
  const model = buildModel(ckpt.graph, ckpt.weights, { logits: true });
  const out = model.outputs[0].shape;
  const classes = out[out.length - 1] ?? inputs.numClasses;
  const data = new Float32Array(rows * classes);
  const per = inputs.inputShape.reduce((a, b) => a * b, 1);
  const chunk = 256;
  let row = 0;
  for (const set of [inputs.train, inputs.transfer]) {
    if (!set) continue;
    for (let i = 0; i < set.count; i += chunk) {
      const n = Math.min(chunk, set.count - i);
      data.set(
        predict(model, set.x.subarray(i * per, (i + n) * per), n, inputs.inputShape),
        (row + i) * classes,
      );
    }
    row += set.count;
  }
  model.dispose();
  const manifest: LogitsManifest = {
    format: 'netgrow.logits/v1',
    rows,
    classes,
    trainRows: inputs.train.count,
    sha256: sha256Hex(new Uint8Array(data.buffer)),
    source: { teacher: store.uri, dataset: inputs.datasetKey },
  };
  const logits = { manifest, data };
  checkFits(manifest, rows, inputs, store.uri);
  try {
    await writeLogits(store, cacheKey, logits);
    log(`teacher logits: computed for ${rows} images, cached at ${store.uri}/${cacheKey}.json`);
  } catch (e) {
    // A read-only teacher (another experiment's bucket) still teaches; it just is not cached.
    log(`teacher logits: computed for ${rows} images; could not cache them (${(e as Error).message})`);
  }
  return logits;
}

function checkFits(m: LogitsManifest, rows: number, inputs: TeacherInputs, where: string): void {
  if (m.classes !== inputs.numClasses) {
    throw new TeacherError(
      `teacher logits ${where} have ${m.classes} classes, the dataset has ${inputs.numClasses}`,
    );
  }
  if (m.rows !== rows || m.trainRows !== inputs.train.count) {
    throw new TeacherError(
      `teacher logits ${where} hold ${m.trainRows} training + ${m.rows - m.trainRows} transfer rows, this run has ${inputs.train.count} + ${rows - inputs.train.count}; they were made for another dataset split (same dataset spec and seed needed)`,
    );
  }
}
