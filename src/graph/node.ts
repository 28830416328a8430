/**
 * The node kinds of the IR, as one discriminated union, with the per-kind rules (arity,
 * output shape, parameters, multiply-adds) dispatched in one place. A new kind is a compile
 * error in every `switch` below until it is handled (assertNever).
 */
import { z } from 'zod';
import { assertNever } from './errors';
import { ActivationNode, activationParams } from './kinds/activation';
import { BatchnormNode, batchnormParams } from './kinds/batchnorm';
import { ParamSpec, Shape, ShapeProblem } from './kinds/common';
import { Conv2dNode, conv2dMacs, conv2dParams, conv2dShape } from './kinds/conv2d';
import { DenseNode, denseParams, denseShape } from './kinds/dense';
import { DropoutNode } from './kinds/dropout';
import { InputNode } from './kinds/input';
import {
  AvgPoolNode,
  GlobalAvgPoolNode,
  GlobalMaxPoolNode,
  globalPoolShape,
  MaxPoolNode,
  poolShape,
} from './kinds/pool';
import {
  AddNode,
  addShape,
  ConcatNode,
  concatShape,
  FlattenNode,
  flattenShape,
  SliceNode,
  sliceShape,
} from './kinds/structure';

export const GraphNode = z.discriminatedUnion('kind', [
  InputNode,
  Conv2dNode,
  DenseNode,
  ActivationNode,
  BatchnormNode,
  DropoutNode,
  MaxPoolNode,
  AvgPoolNode,
  GlobalMaxPoolNode,
  GlobalAvgPoolNode,
  FlattenNode,
  AddNode,
  ConcatNode,
  SliceNode,
]);
export type GraphNode = z.infer<typeof GraphNode>;
export type NodeKind = GraphNode['kind'];
export type NodeOf<K extends NodeKind> = Extract<GraphNode, { kind: K }>;
/** What a caller writes: defaults may be left out. */
export type GraphNodeInput = z.input<typeof GraphNode>;

/** How many inputs a kind takes: [min, max]. */
export function arity(kind: NodeKind): [number, number] {
  switch (kind) {
    case 'input':
      return [0, 0];
    case 'add':
    case 'concat':
      return [2, Infinity];
    case 'conv2d':
    case 'dense':
    case 'activation':
    case 'batchnorm':
    case 'dropout':
    case 'maxpool2d':
    case 'avgpool2d':
    case 'globalmaxpool':
    case 'globalavgpool':
    case 'flatten':
    case 'slice':
      return [1, 1];
    default:
      return assertNever(kind, 'node kind');
  }
}

/** Output shape of a node given its input shapes; throws ShapeProblem without the node's name. */
export function outputShape(n: GraphNode, xs: Shape[]): Shape {
  switch (n.kind) {
    case 'input':
      return n.shape;
    case 'conv2d':
      return conv2dShape(n, xs);
    case 'dense':
      return denseShape(n, xs);
    case 'activation':
      if (n.fn === 'softmax' && xs[0].length !== 1) {
        throw new ShapeProblem('softmax expects a vector [D]; add a global pool or flatten first');
      }
      return xs[0];
    case 'batchnorm':
    case 'dropout':
      return xs[0];
    case 'maxpool2d':
    case 'avgpool2d':
      return poolShape(n, xs);
    case 'globalmaxpool':
    case 'globalavgpool':
      return globalPoolShape(xs);
    case 'flatten':
      return flattenShape(xs);
    case 'add':
      return addShape(xs);
    case 'concat':
      return concatShape(xs);
    case 'slice':
      return sliceShape(n, xs);
    default:
      return assertNever(n, 'node');
  }
}

/** The parameter tensors a node owns, given its input shapes. */
export function nodeParams(n: GraphNode, xs: Shape[]): ParamSpec[] {
  switch (n.kind) {
    case 'conv2d':
      return conv2dParams(n, xs);
    case 'dense':
      return denseParams(n, xs);
    case 'activation':
      return activationParams(n, xs);
    case 'batchnorm':
      return batchnormParams(n, xs);
    default:
      return [];
  }
}

/** Multiply-adds of one forward pass for one sample (convs and dense layers dominate). */
export function nodeMacs(n: GraphNode, xs: Shape[], out: Shape): number {
  switch (n.kind) {
    case 'conv2d':
      return conv2dMacs(n, xs, out);
    case 'dense':
      return xs[0][0] * n.units;
    default:
      return 0;
  }
}

export type {
  ActivationNode,
  AddNode,
  AvgPoolNode,
  BatchnormNode,
  ConcatNode,
  Conv2dNode,
  DenseNode,
  DropoutNode,
  FlattenNode,
  GlobalAvgPoolNode,
  GlobalMaxPoolNode,
  InputNode,
  MaxPoolNode,
  SliceNode,
};
