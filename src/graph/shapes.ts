/** Pure shape inference: one pass in topological order, errors that name the node. */
import { GraphError } from './errors';
import { Shape, ShapeProblem } from './kinds/common';
import { GraphNode, outputShape } from './node';

interface ShapedGraph {
  nodes: readonly GraphNode[];
}

/** id → output shape (no batch dimension). Expects nodes in topological order. */
export function inferShapes(g: ShapedGraph): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const n of g.nodes) {
    const xs = n.inputs.map((p) => shapes.get(p)!);
    try {
      shapes.set(n.id, outputShape(n, xs));
    } catch (e) {
      if (e instanceof ShapeProblem) {
        const got = xs.map((s) => `[${s.join(', ')}]`).join(', ');
        throw new GraphError(
          'shape',
          `${n.kind} '${n.id}' ${e.message}${got && !e.message.includes('received') ? ` (input ${got})` : ''}`,
          n.id,
        );
      }
      throw e;
    }
  }
  return shapes;
}

export function inputShapes(n: GraphNode, shapes: Map<string, Shape>): Shape[] {
  return n.inputs.map((p) => shapes.get(p)!);
}
