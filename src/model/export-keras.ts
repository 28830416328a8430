/**
 * IR + weights → a Keras 3 `.keras` archive (zip of metadata.json, config.json and
 * model.weights.h5) that `keras.saving.load_model` opens: a Functional model whose layer
 * names are the node ids, built only from stock layers. A channel slice (grouped and branched
 * blocks) has no stock layer, so it becomes a frozen 1x1 selection conv (or dense on vectors),
 * as in the tfjs export; outputs are equal, the archive just holds those extra weights.
 *
 * Keras finds each layer's weights by position, not by name: `layers/<class in snake_case>[_k]`
 * counted in the order of `model.layers`, which Keras derives from the graph (keras/src/ops/
 * function.py, map_graph). `kerasLayerOrder` follows that derivation.
 */
import { assertNever, checkWeights, Graph, GraphNode, inferShapes, Shape, Weights } from '../graph';
import { H5Dataset, H5Group, writeHdf5 } from './hdf5';
import { writeZip } from './zip';

/** The Keras release whose archive layout this writer follows (and CI loads it with). */
export const KERAS_FORMAT_VERSION = '3.15.1';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const DTYPE: Json = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};

interface KerasLayer {
  className: string;
  config: { [k: string]: Json };
  /** Weights in the order the Keras layer holds them. */
  weights: H5Dataset[];
}

const pair = (v: number): number[] => [v, v];

/** A frozen selection kernel picking channels [begin, begin+size) out of c. */
function selection(c: number, begin: number, size: number): Float32Array {
  const sel = new Float32Array(c * size);
  for (let j = 0; j < size; j++) sel[(begin + j) * size + j] = 1;
  return sel;
}

function kerasLayer(n: GraphNode, x: Shape, w: Weights): KerasLayer {
  const p = (name: string): H5Dataset => {
    const t = w.get(`${n.id}/${name}`)!;
    return { shape: t.shape, data: t.data };
  };
  const image = x.length === 3;
  switch (n.kind) {
    case 'input':
      return {
        className: 'InputLayer',
        config: {
          batch_shape: [null, ...n.shape],
          dtype: 'float32',
          sparse: false,
          ragged: false,
          optional: false,
        },
        weights: [],
      };
    case 'conv2d':
      return {
        className: 'Conv2D',
        config: {
          filters: n.filters,
          kernel_size: pair(n.kernel),
          strides: pair(n.stride),
          padding: n.padding,
          data_format: 'channels_last',
          dilation_rate: pair(1),
          groups: 1,
          activation: 'linear',
          use_bias: n.bias,
        },
        weights: n.bias ? [p('kernel'), p('bias')] : [p('kernel')],
      };
    case 'dense':
      return {
        className: 'Dense',
        config: { units: n.units, activation: 'linear', use_bias: n.bias },
        weights: n.bias ? [p('kernel'), p('bias')] : [p('kernel')],
      };
    case 'activation':
      if (n.fn === 'prelu') {
        const a = p('alpha');
        // Keras keeps one alpha per channel as [1, 1, C] when shared over H and W.
        return {
          className: 'PReLU',
          config: { shared_axes: image ? [1, 2] : null },
          weights: [{ shape: image ? [1, 1, a.shape[0]] : a.shape, data: a.data }],
        };
      }
      return { className: 'Activation', config: { activation: n.fn }, weights: [] };
    case 'batchnorm':
      return {
        className: 'BatchNormalization',
        config: { axis: -1, momentum: n.momentum, epsilon: n.epsilon, center: true, scale: true },
        weights: [p('gamma'), p('beta'), p('movingMean'), p('movingVariance')],
      };
    case 'dropout':
      return { className: 'Dropout', config: { rate: n.rate }, weights: [] };
    case 'maxpool2d':
    case 'avgpool2d':
      return {
        className: n.kind === 'maxpool2d' ? 'MaxPooling2D' : 'AveragePooling2D',
        config: {
          pool_size: pair(n.pool),
          strides: pair(n.stride ?? n.pool),
          padding: n.padding,
          data_format: 'channels_last',
        },
        weights: [],
      };
    case 'globalmaxpool':
    case 'globalavgpool':
      return {
        className: n.kind === 'globalmaxpool' ? 'GlobalMaxPooling2D' : 'GlobalAveragePooling2D',
        config: { data_format: 'channels_last', keepdims: false },
        weights: [],
      };
    case 'flatten':
      return { className: 'Flatten', config: { data_format: 'channels_last' }, weights: [] };
    case 'add':
      return { className: 'Add', config: {}, weights: [] };
    case 'concat':
      return { className: 'Concatenate', config: { axis: -1 }, weights: [] };
    case 'slice': {
      const c = x[x.length - 1];
      const kernel = selection(c, n.begin, n.size);
      return image
        ? {
            className: 'Conv2D',
            config: {
              filters: n.size,
              kernel_size: pair(1),
              strides: pair(1),
              padding: 'valid',
              data_format: 'channels_last',
              dilation_rate: pair(1),
              groups: 1,
              activation: 'linear',
              use_bias: false,
              trainable: false,
            },
            weights: [{ shape: [1, 1, c, n.size], data: kernel }],
          }
        : {
            className: 'Dense',
            config: { units: n.size, activation: 'linear', use_bias: false, trainable: false },
            weights: [{ shape: [c, n.size], data: kernel }],
          };
    }
    default:
      return assertNever(n, 'node');
  }
}

/**
 * The order of `model.layers` Keras will rebuild: a depth-first walk from the output gives
 * each layer a traversal index; a layer's depth is its longest path to the output; layers
 * sort by depth (deepest first), ties by traversal index.
 */
export function kerasLayerOrder(g: Graph): string[] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const index = new Map<string, number>();
  const finished = new Set<string>();
  const decreasingDepth: string[] = [];
  const visit = (id: string): void => {
    if (finished.has(id)) return;
    if (!index.has(id)) index.set(id, index.size);
    for (const p of byId.get(id)!.inputs) visit(p);
    finished.add(id);
    decreasingDepth.push(id);
  };
  visit(g.output);
  const depth = new Map<string, number>();
  for (const id of [...decreasingDepth].reverse()) {
    const d = depth.get(id) ?? 0;
    depth.set(id, d);
    for (const p of byId.get(id)!.inputs) depth.set(p, Math.max(d + 1, depth.get(p) ?? 0));
  }
  return [...decreasingDepth].sort((a, b) => depth.get(b)! - depth.get(a)! || index.get(a)! - index.get(b)!);
}

const snakeCase = (className: string): string =>
  className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();

/** config.json and model.weights.h5 of the archive. */
export function kerasArchiveParts(g: Graph, w: Weights): { config: Json; weights: H5Group } {
  checkWeights(g, w);
  const shapes = inferShapes(g);
  const built = new Map(
    g.nodes.map((n) => [n.id, kerasLayer(n, n.inputs.length ? shapes.get(n.inputs[0])! : [], w)]),
  );
  const tensor = (id: string): Json => ({
    class_name: '__keras_tensor__',
    config: { shape: [null, ...shapes.get(id)!], dtype: 'float32', keras_history: [id, 0, 0] },
  });
  const layers = g.nodes.map((n): Json => {
    const l = built.get(n.id)!;
    const config = { name: n.id, trainable: true, dtype: DTYPE, ...l.config };
    if (n.kind === 'input') {
      return {
        module: 'keras.layers',
        class_name: l.className,
        config: { ...l.config, name: n.id },
        registered_name: null,
        name: n.id,
        inbound_nodes: [],
      };
    }
    const ins = n.inputs.map((p) => [null, ...shapes.get(p)!]);
    const args = n.inputs.length === 1 ? [tensor(n.inputs[0])] : [n.inputs.map(tensor)];
    return {
      module: 'keras.layers',
      class_name: l.className,
      config,
      registered_name: null,
      build_config: { input_shape: n.inputs.length === 1 ? ins[0] : ins },
      name: n.id,
      inbound_nodes: [{ args, kwargs: {} }],
    };
  });
  const input = g.nodes.find((n) => n.kind === 'input')!.id;
  const config: Json = {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: g.name,
      trainable: true,
      layers,
      input_layers: [input, 0, 0],
      output_layers: [g.output, 0, 0],
    },
    registered_name: 'Functional',
    build_config: { input_shape: null },
    compile_config: null,
  };
  // Weights: one group per layer, named by class and position as Keras's saving_lib does.
  const layerGroups: H5Group = new Map();
  const used = new Map<string, number>();
  for (const id of kerasLayerOrder(g)) {
    const l = built.get(id)!;
    const base = snakeCase(l.className);
    const k = used.has(base) ? used.get(base)! + 1 : 0;
    used.set(base, k);
    const vars: H5Group = new Map(l.weights.map((t, i) => [String(i), t]));
    layerGroups.set(k === 0 ? base : `${base}_${k}`, new Map([['vars', vars]]));
  }
  const weights: H5Group = new Map<string, H5Group>([
    ['layers', layerGroups],
    ['vars', new Map()],
  ]);
  return { config, weights };
}

/** The `.keras` archive bytes. */
export function encodeKeras(g: Graph, w: Weights, savedAt = new Date()): Uint8Array {
  const { config, weights } = kerasArchiveParts(g, w);
  const metadata = {
    keras_version: KERAS_FORMAT_VERSION,
    date_saved: savedAt.toISOString().replace('T', '@').slice(0, 19),
    producer: 'netgrow',
  };
  const text = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  return writeZip([
    { name: 'metadata.json', data: text(metadata) },
    { name: 'config.json', data: text(config) },
    { name: 'model.weights.h5', data: writeHdf5(weights) },
  ]);
}
