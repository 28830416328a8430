/**
 * IR (+ weights) → tfjs-layers functional model, and back. Layer names are node ids, so the
 * model's weights map one-to-one onto the `nodeId/param` keys of the weight store.
 */
import { assertNever, checkWeights, Graph, GraphNode, inferShapes, Shape, Weights } from '../graph';
import { dataInputLayers, UnfusedConv2D, UnfusedDense } from './input-layers';
import { ChannelSlice } from './slice-layer';
import { tf, tfl } from '../backend/tf';

export interface BuildOptions {
  /** Output pre-softmax logits when the graph ends in a softmax (distillation, stable losses). */
  logits?: boolean;
  /** L2 kernel regularisation factor for conv and dense layers. */
  l2?: number;
  /**
   * Replace netgrow's custom layers by stock ones (slice → frozen 1x1 selection conv) so that
   * plain `tf.loadLayersModel` can open an export. Slower; for export only.
   */
  portable?: boolean;
}

type SymbolicTensor = tfl.SymbolicTensor;

/** Params in the order tfjs layers hold them (conv/dense: kernel, bias; BN: gamma, beta, mean, var). */
const PARAM_ORDER: Record<string, string[]> = {
  conv2d: ['kernel', 'bias'],
  dense: ['kernel', 'bias'],
  batchnorm: ['gamma', 'beta', 'movingMean', 'movingVariance'],
  activation: ['alpha'],
};

export function buildModel(g: Graph, weights?: Weights, opts: BuildOptions = {}): tfl.LayersModel {
  if (weights) checkWeights(g, weights);
  const shapes = inferShapes(g);
  const out = new Map<string, SymbolicTensor>();
  const outputId = opts.logits ? logitsNode(g) : g.output;
  // Layers that read the data skip the fused ops, whose gradient would compute the unused
  // gradient of the data (see input-layers.ts).
  const unfused = dataInputLayers(g, shapes);
  let input: SymbolicTensor | undefined;
  for (const n of g.nodes) {
    if (n.kind === 'input') {
      input = tfl.input({ shape: [...n.shape], name: n.id });
      out.set(n.id, input);
      continue;
    }
    const xs = n.inputs.map((p) => out.get(p)!);
    const inShapes = n.inputs.map((p) => shapes.get(p)!);
    const layer = makeLayer(n, inShapes, opts, unfused.has(n.id));
    out.set(n.id, layer.apply(xs.length === 1 ? xs[0] : xs) as SymbolicTensor);
    if (n.id === outputId) break;
  }
  const model = tfl.model({
    inputs: input!,
    outputs: out.get(outputId)!,
    name: g.name.replace(/[^A-Za-z0-9_]/g, '_'),
  });
  if (weights) setWeights(model, g, weights);
  return model;
}

/** The node whose output is the logits: the input of a final softmax, else the output itself. */
export function logitsNode(g: Graph): string {
  const last = g.nodes.find((n) => n.id === g.output)!;
  return last.kind === 'activation' && last.fn === 'softmax' ? last.inputs[0] : g.output;
}

function makeLayer(n: GraphNode, xs: Shape[], opts: BuildOptions, unfused: boolean): tfl.layers.Layer {
  const name = n.id;
  const kernelRegularizer = opts.l2 ? tfl.regularizers.l2({ l2: opts.l2 }) : undefined;
  switch (n.kind) {
    case 'input':
      throw new Error('input nodes are built by buildModel');
    case 'conv2d': {
      const args = {
        name,
        filters: n.filters,
        kernelSize: n.kernel,
        strides: n.stride,
        padding: n.padding,
        useBias: n.bias,
        kernelRegularizer,
      };
      return unfused ? new UnfusedConv2D(args) : tfl.layers.conv2d(args);
    }
    case 'dense': {
      const args = { name, units: n.units, useBias: n.bias, kernelRegularizer };
      return unfused ? new UnfusedDense(args) : tfl.layers.dense(args);
    }
    case 'activation':
      if (n.fn === 'prelu')
        return tfl.layers.prelu({ name, sharedAxes: xs[0].length === 3 ? [1, 2] : undefined });
      return tfl.layers.activation({ name, activation: n.fn });
    case 'batchnorm':
      return tfl.layers.batchNormalization({ name, axis: -1, epsilon: n.epsilon, momentum: n.momentum });
    case 'dropout':
      return tfl.layers.dropout({ name, rate: n.rate });
    case 'maxpool2d':
    case 'avgpool2d': {
      const args = { name, poolSize: n.pool, strides: n.stride ?? n.pool, padding: n.padding };
      return n.kind === 'maxpool2d' ? tfl.layers.maxPooling2d(args) : tfl.layers.averagePooling2d(args);
    }
    case 'globalmaxpool':
      return tfl.layers.globalMaxPooling2d({ name });
    case 'globalavgpool':
      return tfl.layers.globalAveragePooling2d({ name });
    case 'flatten':
      return tfl.layers.flatten({ name });
    case 'add':
      return tfl.layers.add({ name });
    case 'concat':
      return tfl.layers.concatenate({ name, axis: -1 });
    case 'slice':
      return opts.portable ? selectionLayer(n.id, xs[0], n.begin, n.size) : new ChannelSlice({ name, ...n });
    default:
      return assertNever(n, 'node');
  }
}

/** A frozen layer that picks channels [begin, begin+size): a 1x1 conv (images) or dense (vectors). */
function selectionLayer(name: string, x: Shape, begin: number, size: number): tfl.layers.Layer {
  const c = x[x.length - 1];
  const sel = new Float32Array(c * size);
  for (let j = 0; j < size; j++) sel[(begin + j) * size + j] = 1;
  const init = x.length === 3 ? tf.tensor4d(sel, [1, 1, c, size]) : tf.tensor2d(sel, [c, size]);
  const common = { name, useBias: false, trainable: false, weights: [init] };
  return x.length === 3
    ? tfl.layers.conv2d({ ...common, filters: size, kernelSize: 1 })
    : tfl.layers.dense({ ...common, units: size });
}

/** The model's layer for a node, or null when the node lies beyond a logits cut. */
function layerOf(model: tfl.LayersModel, id: string): tfl.layers.Layer | null {
  return model.layers.find((l) => l.name === id) ?? null;
}

/** Copies weights from the store into the model's layers (PReLU alphas reshaped to [1,1,C]). */
export function setWeights(model: tfl.LayersModel, g: Graph, w: Weights): void {
  tf.tidy(() => {
    for (const n of g.nodes) {
      const order = PARAM_ORDER[n.kind];
      if (!order) continue;
      const layer = layerOf(model, n.id);
      if (!layer) continue; // beyond the logits cut
      const vals = layer.weights.map((lw, i) => {
        const t = w.get(`${n.id}/${order[i]}`)!;
        return tf.tensor(t.data, lw.shape as number[]);
      });
      if (vals.length > 0) layer.setWeights(vals);
    }
  });
}

/** Reads the model's current weights back into `nodeId/param` form (the inverse of setWeights). */
export function readWeights(model: tfl.LayersModel, g: Graph): Weights {
  const w: Weights = new Map();
  for (const n of g.nodes) {
    const order = PARAM_ORDER[n.kind];
    if (!order) continue;
    const layer = layerOf(model, n.id);
    if (!layer) continue;
    layer.getWeights().forEach((t, i) => {
      const data = t.dataSync() as Float32Array;
      const shape = n.kind === 'activation' ? [t.shape[t.shape.length - 1]] : [...t.shape];
      w.set(`${n.id}/${order[i]}`, { shape, data: Float32Array.from(data) });
    });
  }
  return w;
}

/** Inference on a batch: NHWC Float32Array in, [batch, outputs] Float32Array out. */
export function predict(
  model: tfl.LayersModel,
  x: Float32Array,
  batch: number,
  inputShape: Shape,
): Float32Array {
  return tf
    .tidy(() => {
      const y = model.predict(tf.tensor(x, [batch, ...inputShape])) as tf.Tensor;
      return y.dataSync() as Float32Array;
    })
    .slice();
}
