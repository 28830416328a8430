/** FLOP and parameter counts from the IR alone (no tfjs), for benches and model summaries. */
import { Graph } from './graph';
import { nodeMacs, nodeParams } from './node';
import { inferShapes, inputShapes } from './shapes';
import { size } from './weights';

export interface LayerSummary {
  id: string;
  kind: string;
  outputShape: number[];
  params: number;
  /** Forward multiply-adds per sample. */
  macs: number;
}

export function summarize(g: Graph): LayerSummary[] {
  const shapes = inferShapes(g);
  return g.nodes.map((n) => {
    const xs = inputShapes(n, shapes);
    const out = shapes.get(n.id)!;
    return {
      id: n.id,
      kind: n.kind === 'activation' ? `activation(${n.fn})` : n.kind,
      outputShape: [...out],
      params: nodeParams(n, xs).reduce((a, p) => a + size(p.shape), 0),
      macs: nodeMacs(n, xs, out),
    };
  });
}

/**
 * Forward multiply-adds and parameters per sample, and FLOPs per sample. Only conv2d and dense
 * layers count (batch norm, activations, pools and adds are a few percent of a CNN's work); one
 * multiply-add is 2 FLOPs. Training is the usual rule (Kaplan et al. 2020; OpenAI's "AI and
 * Compute"): the backward pass costs 2x the forward — one pass for the gradient with respect to
 * the layer's input, one for its weights — so a trained sample costs 3x forward = 6 FLOPs per
 * multiply-add. A run's training FLOPs are this times the training samples it saw.
 */
export function countFlops(g: Graph): {
  macs: number;
  params: number;
  forwardFlops: number;
  trainFlops: number;
} {
  const rows = summarize(g);
  const macs = rows.reduce((a, r) => a + r.macs, 0);
  return {
    macs,
    params: rows.reduce((a, r) => a + r.params, 0),
    forwardFlops: 2 * macs,
    trainFlops: 6 * macs,
  };
}
