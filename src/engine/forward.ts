/**
 * netgrow's IR as TensorFlow ops: the forward pass of a graph, in training mode (batch
 * statistics, dropout) or inference mode (moving statistics, no dropout), NHWC, reading every
 * parameter from the tensor `reads.get('nodeId/param')`. Up to the logits: a final softmax is
 * left to the loss, as the tfjs trainer builds with `logits: true`.
 */
import { assertNever, Graph, GraphNode, inferShapes, Shape } from '../graph';
import { attr, DT, GraphDefWriter } from './graphdef';

export type Mode = 'train' | 'eval';

export interface Forward {
  logits: string;
  /** Training mode: the AssignVariableOps that move batch norm's moving statistics. */
  assigns: string[];
}

/** The node whose output is the logits: the input of a final softmax, else the output itself. */
export function logitsNode(g: Graph): string {
  const last = g.nodes.find((n) => n.id === g.output)!;
  return last.kind === 'activation' && last.fn === 'softmax' ? last.inputs[0] : g.output;
}

export interface ForwardContext {
  w: GraphDefWriter;
  mode: Mode;
  /** Prefix of this forward's op names (`train/`, `eval/`). */
  at: string;
  /** `nodeId/param` → the tensor reading that variable. */
  reads: ReadonlyMap<string, string>;
  /** `nodeId/param` → the variable's handle (for the moving-statistics assigns). */
  handles: ReadonlyMap<string, string>;
}

export function buildForward(c: ForwardContext, g: Graph, x: string): Forward {
  const shapes = inferShapes(g);
  const out = new Map<string, string>();
  const assigns: string[] = [];
  const stop = logitsNode(g);
  for (const n of g.nodes) {
    if (n.kind === 'input') {
      out.set(n.id, x);
    } else {
      const xs = n.inputs.map((p) => out.get(p)!);
      out.set(n.id, nodeOps(c, n, xs, shapes.get(n.inputs[0])!, assigns));
    }
    if (n.id === stop) break;
  }
  return { logits: out.get(stop)!, assigns };
}

function nodeOps(c: ForwardContext, n: GraphNode, xs: string[], inShape: Shape, assigns: string[]): string {
  const { w } = c;
  const name = (op: string) => `${c.at}${n.id}/${op}`;
  const param = (p: string) => c.reads.get(`${n.id}/${p}`)!;
  switch (n.kind) {
    case 'input':
      throw new Error('input nodes are the feed');
    case 'conv2d': {
      const y = w.op('Conv2D', name('Conv2D'), [xs[0], param('kernel')], {
        strides: attr.ints([1, n.stride, n.stride, 1]),
        padding: attr.str(n.padding.toUpperCase()),
        data_format: attr.str('NHWC'),
      });
      return n.bias ? w.op('BiasAdd', name('BiasAdd'), [y, param('bias')]) : y;
    }
    case 'dense': {
      const y = w.op('MatMul', name('MatMul'), [xs[0], param('kernel')]);
      return n.bias ? w.op('BiasAdd', name('BiasAdd'), [y, param('bias')]) : y;
    }
    case 'activation':
      return activation(c, n, xs[0], inShape, name);
    case 'batchnorm':
      return batchnorm(c, n, xs[0], inShape, name, assigns);
    case 'dropout': {
      if (c.mode === 'eval' || n.rate === 0) return xs[0];
      // Inverted dropout: keep with probability 1 − rate, scale the kept by 1 / (1 − rate).
      const shape = `${w.node('Shape', name('Shape'), [xs[0]], { T: attr.type(DT.float), out_type: attr.type(DT.int32) })}:0`;
      const u = `${w.node('RandomUniform', name('RandomUniform'), [shape], { T: attr.type(DT.int32), dtype: attr.type(DT.float) })}:0`;
      const keep = `${w.node('GreaterEqual', name('GreaterEqual'), [u, w.scalar(name('rate'), n.rate)], { T: attr.type(DT.float) })}:0`;
      const mask = `${w.node('Cast', name('Cast'), [keep], { SrcT: attr.type(DT.bool), DstT: attr.type(DT.float) })}:0`;
      const scaled = w.op('Mul', name('scale'), [mask, w.scalar(name('inv_keep'), 1 / (1 - n.rate))]);
      return w.op('Mul', name('Mul'), [xs[0], scaled]);
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const k = n.pool;
      const s = n.stride ?? n.pool;
      return w.op(n.kind === 'maxpool2d' ? 'MaxPool' : 'AvgPool', name('Pool'), [xs[0]], {
        ksize: attr.ints([1, k, k, 1]),
        strides: attr.ints([1, s, s, 1]),
        padding: attr.str(n.padding.toUpperCase()),
        data_format: attr.str('NHWC'),
      });
    }
    case 'globalmaxpool':
    case 'globalavgpool':
      return w.op(
        n.kind === 'globalmaxpool' ? 'Max' : 'Mean',
        name('Reduce'),
        [xs[0], w.ints(name('axes'), [1, 2])],
        {
          Tidx: attr.type(DT.int32),
          keep_dims: attr.bool(false),
        },
      );
    case 'flatten': {
      const units = inShape.reduce((a, b) => a * b, 1);
      return w.op('Reshape', name('Reshape'), [xs[0], w.ints(name('shape'), [-1, units])], {
        Tshape: attr.type(DT.int32),
      });
    }
    case 'add':
      return xs.length === 2
        ? w.op('AddV2', name('Add'), xs)
        : w.op('AddN', name('AddN'), xs, { N: attr.int(xs.length) });
    case 'concat': {
      const axis = w.int(name('axis'), inShape.length); // the channel axis, after the batch
      return w.op('ConcatV2', name('Concat'), [...xs, axis], {
        N: attr.int(xs.length),
        Tidx: attr.type(DT.int32),
      });
    }
    case 'slice': {
      const lead = inShape.length - 1; // batch and spatial axes are kept whole
      const begin = w.ints(name('begin'), [0, ...Array<number>(lead).fill(0), n.begin]);
      const size = w.ints(name('size'), [-1, ...Array<number>(lead).fill(-1), n.size]);
      return w.op('Slice', name('Slice'), [xs[0], begin, size], { Index: attr.type(DT.int32) });
    }
    default:
      return assertNever(n, 'node');
  }
}

function activation(
  c: ForwardContext,
  n: Extract<GraphNode, { kind: 'activation' }>,
  x: string,
  inShape: Shape,
  name: (op: string) => string,
): string {
  const { w } = c;
  switch (n.fn) {
    case 'linear':
      return x;
    case 'relu':
      return w.op('Relu', name('Relu'), [x]);
    case 'elu':
      return w.op('Elu', name('Elu'), [x]);
    case 'tanh':
      return w.op('Tanh', name('Tanh'), [x]);
    case 'sigmoid':
      return w.op('Sigmoid', name('Sigmoid'), [x]);
    case 'softmax':
      return w.op('Softmax', name('Softmax'), [x]);
    case 'prelu': {
      // x + (1 − α)·relu(−x), α per channel: x where x > 0, α·x elsewhere. The product by
      // 1 − α is a batch norm in inference mode (channelScale), whose gradient is one fused
      // pass; with Relu, Neg and one AddV2 to differentiate, seed-ga's step measured 1.2x
      // that of relu(x) + α·(x − relu(x)) with a broadcasting Mul (docs/PERFORMANCE.md).
      const alpha = c.reads.get(`${n.id}/alpha`)!;
      const negPart = w.op('Relu', name('Relu'), [w.op('Neg', name('Neg'), [x])]);
      const keep = w.op('Sub', name('one_minus_alpha'), [w.scalar(name('one'), 1), alpha]);
      return w.op('AddV2', name('Add'), [
        x,
        channelScale(w, negPart, keep, inShape, (op) => name(`scale/${op}`)),
      ]);
    }
    default:
      return assertNever(n.fn, 'activation');
  }
}

/**
 * Keras's batch norm as FusedBatchNormV3 (4-D only: a vector is seen as [N, 1, 1, D]). In
 * training the moving statistics move as Keras and tfjs move them, m ← μ·m + (1−μ)·batch,
 * with the biased batch variance: TensorFlow's own update would use the Bessel-corrected one,
 * so the op runs with factor 1 (batch statistics out) and the update is written here.
 */
function batchnorm(
  c: ForwardContext,
  n: Extract<GraphNode, { kind: 'batchnorm' }>,
  x: string,
  inShape: Shape,
  name: (op: string) => string,
  assigns: string[],
): string {
  const { w } = c;
  const param = (p: string) => c.reads.get(`${n.id}/${p}`)!;
  const channels = inShape[inShape.length - 1];
  const training = c.mode === 'train';
  const { bn, x4, y } = fusedBatchNorm(
    w,
    x,
    inShape,
    name,
    [param('gamma'), param('beta'), param('movingMean'), param('movingVariance')],
    n.epsilon,
    training,
  );
  if (training) {
    // Values per channel in this batch: size(x) / C; the biased variance is (k−1)/k of TF's.
    const sizeOf = `${w.node('Size', name('Size'), [x4], { T: attr.type(DT.float), out_type: attr.type(DT.int32) })}:0`;
    const total = `${w.node('Cast', name('SizeF'), [sizeOf], { SrcT: attr.type(DT.int32), DstT: attr.type(DT.float) })}:0`;
    const perChannel = w.op('RealDiv', name('per_channel'), [total, w.scalar(name('channels'), channels)]);
    const one = w.scalar(name('one'), 1);
    const unbias = w.op('Sub', name('unbias'), [one, w.op('Reciprocal', name('inv_count'), [perChannel])]);
    const biasedVar = w.op('Mul', name('batch_var'), [`${bn}:2`, unbias]);
    const mom = w.scalar(name('momentum'), n.momentum);
    const rest = w.scalar(name('rest'), 1 - n.momentum);
    for (const [p, batch] of [
      ['movingMean', `${bn}:1`],
      ['movingVariance', biasedVar],
    ] as const) {
      const moved = w.op('AddV2', name(`moved_${p}`), [
        w.op('Mul', name(`keep_${p}`), [param(p), mom]),
        w.op('Mul', name(`take_${p}`), [batch, rest]),
      ]);
      assigns.push(
        w.node('AssignVariableOp', name(`assign_${p}`), [c.handles.get(`${n.id}/${p}`)!, moved], {
          dtype: attr.type(DT.float),
        }),
      );
    }
  }
  return y;
}

/**
 * FusedBatchNormV3 over the last axis, NHWC, with `stats` its scale, offset, mean and variance:
 * the op takes 4-D input only, so a vector is seen as [N, 1, 1, D] and its output reshaped
 * back. `bn` is the op (outputs :1 and :2 are the batch statistics), `x4` its input.
 */
function fusedBatchNorm(
  w: GraphDefWriter,
  x: string,
  inShape: Shape,
  name: (op: string) => string,
  stats: string[],
  epsilon: number,
  training: boolean,
): { bn: string; x4: string; y: string } {
  const channels = inShape[inShape.length - 1];
  const vector = inShape.length === 1;
  const x4 = vector
    ? w.op('Reshape', name('to4d'), [x, w.ints(name('shape4d'), [-1, 1, 1, channels])], {
        Tshape: attr.type(DT.int32),
      })
    : x;
  const bn = w.node('FusedBatchNormV3', name('FusedBatchNormV3'), [x4, ...stats], {
    T: attr.type(DT.float),
    U: attr.type(DT.float),
    epsilon: attr.float(epsilon),
    exponential_avg_factor: attr.float(1),
    is_training: attr.bool(training),
    data_format: attr.str('NHWC'),
  });
  const y = vector
    ? w.op('Reshape', name('to2d'), [`${bn}:0`, w.ints(name('shape2d'), [-1, channels])], {
        Tshape: attr.type(DT.int32),
      })
    : `${bn}:0`;
  return { bn, x4, y };
}

/**
 * x·γ per channel (the last axis) as FusedBatchNormV3 in inference mode with mean 0, variance
 * 1 and ε 0: its gradient is one fused pass (dx = γ·dy, dγ = Σ dy·x per channel), where Mul's
 * broadcasting gradient is a product and a slow reduction over N·H·W.
 */
function channelScale(
  w: GraphDefWriter,
  x: string,
  gamma: string,
  inShape: Shape,
  name: (op: string) => string,
): string {
  const channels = inShape[inShape.length - 1];
  const constant = (what: string, v: number) =>
    `${w.node('Const', name(what), [], { dtype: attr.type(DT.float), value: attr.floatTensor([v], [channels]) })}:0`;
  const zeros = constant('zeros', 0);
  return fusedBatchNorm(w, x, inShape, name, [gamma, zeros, zeros, constant('ones', 1)], 0, false).y;
}
