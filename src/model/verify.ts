/**
 * The function-preservation check (docs/MORPH.md), run on real tfjs models: a child preserves
 * its parent's function when, in inference mode on random inputs,
 *   max |f_child(x) − f_parent(x)| ≤ 1e-4 · (1 + max |f_parent(x)|).
 * Outputs are compared before the final softmax when both graphs end in one (logits show a
 * difference that saturated probabilities would hide).
 */
import { Graph, inputNode, Rng, Weights } from '../graph';
import { buildModel, logitsNode, predict } from './build';

export interface PreservationCheck {
  maxAbsDiff: number;
  /** maxAbsDiff / (1 + max |f_parent|): the quantity the tolerance bounds. */
  relDiff: number;
  preserving: boolean;
  samples: number;
}

export const PRESERVE_TOLERANCE = 1e-4;

export function checkPreservation(
  parent: { graph: Graph; weights: Weights },
  child: { graph: Graph; weights: Weights },
  opts: { samples?: number; seed?: number } = {},
): PreservationCheck {
  const samples = opts.samples ?? 8;
  const shape = inputNode(parent.graph).shape;
  const rng = new Rng(opts.seed ?? 0);
  const x = Float32Array.from({ length: samples * shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const useLogits = endsInSoftmax(parent.graph) && endsInSoftmax(child.graph);
  const run = (g: Graph, w: Weights) => {
    const m = buildModel(g, w, { logits: useLogits });
    try {
      return predict(m, x, samples, shape);
    } finally {
      m.dispose();
    }
  };
  const a = run(parent.graph, parent.weights);
  const b = run(child.graph, child.weights);
  if (a.length !== b.length) {
    throw new Error(
      `parent and child outputs differ in size (${a.length / samples} vs ${b.length / samples} per sample)`,
    );
  }
  let maxAbsDiff = 0;
  let maxParent = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
    maxParent = Math.max(maxParent, Math.abs(a[i]));
  }
  const relDiff = maxAbsDiff / (1 + maxParent);
  return { maxAbsDiff, relDiff, preserving: relDiff <= PRESERVE_TOLERANCE, samples };
}

function endsInSoftmax(g: Graph): boolean {
  return logitsNode(g) !== g.output;
}
