/**
 * The graph engine's native half (native/graph/graph_engine.cc), built by
 * scripts/build-native.sh into native/graph/build. It imports GraphDefs, adds gradients, reads
 * the graph back and rewires an op's input, opens sessions and runs them off the main thread;
 * everything else is TypeScript.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../contracts/package-root';

export type Dtype = 'float32' | 'int32' | 'bool';

export interface HostTensor {
  dtype: Dtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

export interface Feed extends HostTensor {
  /** A tensor of the graph, `op:index`. */
  name: string;
}

declare const graphBrand: unique symbol;
declare const sessionBrand: unique symbol;
export type NativeGraph = { readonly [graphBrand]: true };
export type NativeSession = { readonly [sessionBrand]: true };

export interface GraphAddon {
  newGraph(): NativeGraph;
  /** `inputMap`: [tensor of the GraphDef, tensor already in the graph] pairs wired together. */
  importGraphDef(g: NativeGraph, bytes: Uint8Array, inputMap: [string, string][]): void;
  /** d(Σ ys·dys)/d xs by TensorFlow's C++ gradients; null where a y does not reach an x. */
  addGradients(
    g: NativeGraph,
    prefix: string,
    ys: string[],
    xs: string[],
    dys: string[] | null,
  ): (string | null)[];
  /** The graph as GraphDef bytes. */
  graphDef(g: NativeGraph): Uint8Array;
  /** Input `index` of `op` reads `tensor` instead (TF_UpdateEdge). */
  rewire(g: NativeGraph, op: string, index: number, tensor: string): void;
  newSession(g: NativeGraph, intraOpThreads: number, interOpThreads: number): NativeSession;
  closeSession(s: NativeSession): void;
  run(s: NativeSession, feeds: Feed[], fetches: string[], targets: string[]): Promise<HostTensor[]>;
  version(): string;
}

export const ADDON_PATH = join(packageRoot(), 'native', 'graph', 'build', 'Release', 'netgrow_graph.node');

let cached: { addon: GraphAddon | null; why: string } | undefined;

/** The addon, or null and one line saying why it cannot be used here. */
export function loadGraphAddon(): { addon: GraphAddon | null; why: string } {
  if (cached) return cached;
  if (!existsSync(ADDON_PATH)) {
    cached = {
      addon: null,
      why: `the graph engine is not built (no ${ADDON_PATH}; run scripts/build-native.sh)`,
    };
  } else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = { addon: require(ADDON_PATH) as GraphAddon, why: '' };
    } catch (e) {
      cached = { addon: null, why: `the graph engine does not load: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  return cached;
}
