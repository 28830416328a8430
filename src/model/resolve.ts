/**
 * The one way netgrow finds a network from what a user or a workflow names: a builtin
 * (`lenet`, or `builtin:lenet` as TrainSpecs write it), a graph.json (fresh weights from the
 * seed), or a checkpoint folder — each as a local path or a storage URI, read through the
 * store interface, so a worker on any machine reads what the launching machine stored. The
 * CLI (`netgrow morph`), the mutate activity, the trainer and the pre-launch checks all call
 * this.
 */
import { fileURLToPath } from 'node:url';
import {
  builtin,
  BUILTIN_NAMES,
  Graph,
  inferShapes,
  initWeights,
  inputNode,
  isBuiltin,
  parseGraphJson,
  Rng,
  Weights,
} from '../graph';
import { NetgrowError } from '../contracts/errors';
import { locateFile, type StoreOpener } from '../storage/locate';
import { StorageError } from '../storage/store';
import { CheckpointMeta, readCheckpoint } from './checkpoint';

/** A network reference that cannot be resolved, or a network that does not fit its data. */
export class StartError extends NetgrowError {
  readonly code = 'start';
  constructor(message: string) {
    super(message, 'input');
    this.name = 'StartError';
  }
}

export const BUILTIN_PREFIX = 'builtin:';

export interface DataShape {
  inputShape: readonly number[];
  numClasses: number;
}

export interface ResolveOptions {
  open: StoreOpener;
  /** Seeds fresh weights (builtins and graph.json): `new Rng(seed).fork('init')`. */
  seed: number;
  /** Sizes a builtin to the dataset; when `fit` is set, every network must take it. */
  data?: Partial<DataShape>;
  /** Refuse a network whose input or output does not match `data`. */
  fit?: boolean;
}

export interface ResolvedNetwork {
  graph: Graph;
  weights: Weights;
  kind: 'builtin' | 'graph' | 'checkpoint';
  /** The checkpoint's meta (lineage, metrics); null for fresh weights. */
  meta: CheckpointMeta | null;
}

export function isGraphFile(ref: string): boolean {
  return ref.endsWith('.json');
}

export async function resolveNetwork(ref: string, opts: ResolveOptions): Promise<ResolvedNetwork> {
  const fresh = (graph: Graph) => initWeights(graph, new Rng(opts.seed).fork('init'));
  let net: ResolvedNetwork;
  const name = ref.startsWith(BUILTIN_PREFIX) ? ref.slice(BUILTIN_PREFIX.length) : ref;
  if (isBuiltin(name)) {
    const graph = builtin(name, {
      inputShape: opts.data?.inputShape ? [...opts.data.inputShape] : undefined,
      numClasses: opts.data?.numClasses,
    });
    net = { graph, weights: fresh(graph), kind: 'builtin', meta: null };
  } else if (ref.startsWith(BUILTIN_PREFIX)) {
    throw new StartError(`'${ref}' names no builtin; use one of ${BUILTIN_NAMES.join(', ')}`);
  } else if (isGraphFile(ref)) {
    const graph = parseGraphJson(await readText(ref, opts.open), ref);
    net = { graph, weights: fresh(graph), kind: 'graph', meta: null };
  } else {
    const store = opts.open(ref);
    // Nothing of a checkpoint there at all: the name is wrong, not the checkpoint damaged.
    if (!(await store.exists('meta.json')) && !(await store.exists('graph.json'))) throw notFound(ref);
    const ck = await readCheckpoint(store, '');
    net = { graph: ck.graph, weights: ck.weights, kind: 'checkpoint', meta: ck.meta };
  }
  if (opts.fit && opts.data?.inputShape && opts.data.numClasses !== undefined) {
    checkFitsData(net.graph, opts.data as DataShape, ref);
  }
  return net;
}

async function readText(ref: string, open: StoreOpener): Promise<string> {
  const { store, key } = locateFile(ref, open);
  try {
    return await store.getText(key);
  } catch (e) {
    if (e instanceof StorageError && e.code === 'not_found') {
      throw new StartError(`no such file ${ref.startsWith('file://') ? fileURLToPath(ref) : ref}`);
    }
    throw e;
  }
}

function notFound(ref: string): StartError {
  return new StartError(
    `'${ref}' is neither a builtin (${BUILTIN_NAMES.join(', ')}) nor an existing graph.json or checkpoint folder`,
  );
}

/** The network must take the dataset's images and output one value per class. */
export function checkFitsData(g: Graph, data: DataShape, where: string): void {
  const input = inputNode(g).shape;
  if (input.join('x') !== data.inputShape.join('x')) {
    throw new StartError(
      `network ${where} takes ${input.join('x')} inputs, the dataset has ${data.inputShape.join('x')} images`,
    );
  }
  const out = inferShapes(g).get(g.output)!;
  if (out.length !== 1 || out[0] !== data.numClasses) {
    throw new StartError(
      `network ${where} outputs shape [${out.join(', ')}], the dataset has ${data.numClasses} classes`,
    );
  }
}
