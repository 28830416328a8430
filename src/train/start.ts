/**
 * The network a run starts from: a checkpoint URI, or `builtin:<name>` (a fresh builtin
 * architecture sized to the dataset, initialised from the run's seed) for runs that begin
 * from scratch, such as the quickstart example.
 */
import {
  builtin,
  Graph,
  inferShapes,
  initWeights,
  inputNode,
  isBuiltin,
  BUILTIN_NAMES,
  Rng,
  Weights,
} from '../graph';
import { readCheckpoint } from '../model/checkpoint';
import { StoreOpener } from './locate';
import { NetgrowError } from '../contracts/errors';

export class StartError extends NetgrowError {
  readonly code = 'start';
  constructor(message: string) {
    super(message, 'input');
    this.name = 'StartError';
  }
}

export const BUILTIN_PREFIX = 'builtin:';

export async function startingNetwork(
  uri: string,
  data: { inputShape: readonly number[]; numClasses: number },
  seed: number,
  open: StoreOpener,
): Promise<{ graph: Graph; weights: Weights }> {
  let graph: Graph;
  let weights: Weights;
  if (uri.startsWith(BUILTIN_PREFIX)) {
    const name = uri.slice(BUILTIN_PREFIX.length);
    if (!isBuiltin(name)) {
      throw new StartError(
        `checkpoint '${uri}' names no builtin; use builtin:<name> with one of ${BUILTIN_NAMES.join(', ')}`,
      );
    }
    graph = builtin(name, { inputShape: [...data.inputShape], numClasses: data.numClasses });
    weights = initWeights(graph, new Rng(seed).fork('init'));
  } else {
    ({ graph, weights } = await readCheckpoint(open(uri), ''));
  }
  checkFitsData(graph, data, uri);
  return { graph, weights };
}

/** The network must take the dataset's images and output one value per class. */
export function checkFitsData(
  g: Graph,
  data: { inputShape: readonly number[]; numClasses: number },
  where: string,
): void {
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
