/**
 * Checkpoints: a folder (or S3 prefix) with graph.json, weights.bin + weights.json (the tfjs
 * weights-manifest format) and meta.json. meta.json is written last and holds the sha256 of
 * every other file, so a half-written checkpoint reads as absent and a damaged one is a
 * clear error — never a silently wrong model.
 */
import { z } from 'zod';
import { checkWeights, Graph, graphToJson, paramEntries, parseGraphJson, size, Weights } from '../graph';
import { sha256Hex as sha256 } from '../storage/integrity';
import { ArtifactStore, StorageError } from '../storage/store';
import { NetgrowError } from '../contracts/errors';

export const CHECKPOINT_FORMAT = 'netgrow.checkpoint/v1';
const FILES = ['graph.json', 'weights.json', 'weights.bin'] as const;

const FileDigest = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
});

export const CheckpointMeta = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  createdAt: z.string(),
  /** URI or id of the checkpoint this one was made from; null for a fresh network. */
  parent: z.string().nullable().default(null),
  /** The operation that made it: command text, 'init', 'train:<runId>@epoch<n>'. */
  operation: z.string().default('init'),
  /** Ids of the ancestors, oldest first. */
  lineage: z.array(z.string()).default([]),
  metrics: z.record(z.string(), z.number().nullable()).default({}),
  params: z.number().int().min(0),
  files: z.strictObject({ 'graph.json': FileDigest, 'weights.json': FileDigest, 'weights.bin': FileDigest }),
  /** Free-form extras (optimizer state keys, RNG position, ...) owned by the writer. */
  extra: z.record(z.string(), z.unknown()).default({}),
});
export type CheckpointMeta = z.infer<typeof CheckpointMeta>;
export type CheckpointInfo = Pick<
  Partial<CheckpointMeta>,
  'parent' | 'operation' | 'lineage' | 'metrics' | 'extra'
>;

export interface Checkpoint {
  graph: Graph;
  weights: Weights;
  meta: CheckpointMeta;
}

export class CheckpointError extends NetgrowError {
  constructor(
    readonly code: 'missing' | 'integrity' | 'format',
    message: string,
  ) {
    super(message, 'input');
    this.name = 'CheckpointError';
  }
}

/** A checkpoint file's JSON; damaged text is the checkpoint's fault (input), not an outage. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CheckpointError('format', `${where} is not valid JSON (${(e as Error).message})`);
  }
}

const join = (prefix: string, file: string): string =>
  prefix ? `${prefix.replace(/\/+$/, '')}/${file}` : file;

/** weights.bin (float32 little-endian, parameter order of the graph) and its tfjs manifest. */
export function encodeWeights(g: Graph, w: Weights): { bin: Uint8Array; manifest: string } {
  checkWeights(g, w);
  const entries = paramEntries(g);
  const total = entries.reduce((a, p) => a + size(p.shape), 0);
  const all = new Float32Array(total);
  let off = 0;
  for (const p of entries) {
    all.set(w.get(p.key)!.data, off);
    off += size(p.shape);
  }
  const manifest = [
    {
      paths: ['weights.bin'],
      weights: entries.map((p) => ({ name: p.key, shape: p.shape, dtype: 'float32' })),
    },
  ];
  return { bin: new Uint8Array(all.buffer), manifest: JSON.stringify(manifest, null, 1) + '\n' };
}

const Manifest = z.array(
  z.object({
    paths: z.array(z.string()),
    weights: z.array(
      z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.literal('float32') }),
    ),
  }),
);

export function decodeWeights(
  g: Graph,
  bin: Uint8Array,
  manifestText: string,
  where = 'weights.json',
): Weights {
  const parsed = Manifest.safeParse(parseJson(manifestText, where));
  if (!parsed.success)
    throw new CheckpointError(
      'format',
      `${where} is not a tfjs weights manifest: ${parsed.error.issues[0].message}`,
    );
  const specs = parsed.data.flatMap((g2) => g2.weights);
  const need = specs.reduce((a, s) => a + size(s.shape) * 4, 0);
  if (bin.byteLength !== need) {
    throw new CheckpointError(
      'format',
      `weights.bin holds ${bin.byteLength} bytes, ${where} describes ${need}`,
    );
  }
  const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const w: Weights = new Map();
  let off = 0;
  for (const s of specs) {
    const n = size(s.shape);
    w.set(s.name, { shape: s.shape, data: floats.slice(off, off + n) });
    off += n;
  }
  checkWeights(g, w);
  return w;
}

export async function writeCheckpoint(
  store: ArtifactStore,
  prefix: string,
  graph: Graph,
  weights: Weights,
  info: CheckpointInfo = {},
): Promise<CheckpointMeta> {
  const { bin, manifest } = encodeWeights(graph, weights);
  const bodies: Record<(typeof FILES)[number], Uint8Array> = {
    'graph.json': new TextEncoder().encode(graphToJson(graph)),
    'weights.json': new TextEncoder().encode(manifest),
    'weights.bin': bin,
  };
  // An older meta.json must not vouch for new files while they are being replaced.
  if (await store.exists(join(prefix, 'meta.json'))) await store.delete(join(prefix, 'meta.json'));
  for (const f of FILES) await store.put(join(prefix, f), bodies[f]);
  const meta = CheckpointMeta.parse({
    format: CHECKPOINT_FORMAT,
    createdAt: new Date().toISOString(),
    ...info,
    params: paramEntries(graph).reduce((a, p) => a + size(p.shape), 0),
    files: Object.fromEntries(
      FILES.map((f) => [f, { sha256: sha256(bodies[f]), bytes: bodies[f].byteLength }]),
    ),
  });
  await store.put(join(prefix, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

export async function readCheckpointMeta(store: ArtifactStore, prefix: string): Promise<CheckpointMeta> {
  let text: string;
  try {
    text = await store.getText(join(prefix, 'meta.json'));
  } catch (e) {
    if (e instanceof StorageError && e.code === 'not_found') {
      throw new CheckpointError(
        'missing',
        `no checkpoint at ${store.uri}/${prefix} (meta.json is missing: never written, or the write did not finish)`,
      );
    }
    throw e;
  }
  const r = CheckpointMeta.safeParse(parseJson(text, `${store.uri}/${join(prefix, 'meta.json')}`));
  if (!r.success) {
    const i = r.error.issues[0];
    throw new CheckpointError(
      'format',
      `${store.uri}/${join(prefix, 'meta.json')}: \`${i.path.join('.')}\` ${i.message}`,
    );
  }
  return r.data;
}

/** Reads and verifies every file against meta.json's sha256 before decoding anything. */
export async function readCheckpoint(store: ArtifactStore, prefix: string): Promise<Checkpoint> {
  const meta = await readCheckpointMeta(store, prefix);
  const bodies = {} as Record<(typeof FILES)[number], Uint8Array>;
  for (const f of FILES) {
    const key = join(prefix, f);
    const body = await store.get(key);
    const digest = sha256(body);
    if (digest !== meta.files[f].sha256 || body.byteLength !== meta.files[f].bytes) {
      throw new CheckpointError(
        'integrity',
        `checkpoint file ${store.uri}/${key} is damaged: sha256 ${digest.slice(0, 12)}… (${body.byteLength} bytes), meta.json expects ${meta.files[f].sha256.slice(0, 12)}… (${meta.files[f].bytes} bytes); restore it or retrain from the parent`,
      );
    }
    bodies[f] = body;
  }
  const graph = parseGraphJson(
    new TextDecoder().decode(bodies['graph.json']),
    `${store.uri}/${join(prefix, 'graph.json')}`,
  );
  const weights = decodeWeights(
    graph,
    bodies['weights.bin'],
    new TextDecoder().decode(bodies['weights.json']),
  );
  return { graph, weights, meta };
}
