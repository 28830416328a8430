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

/** Forward multiply-adds and parameters per sample. A training step costs about 3x forward. */
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
