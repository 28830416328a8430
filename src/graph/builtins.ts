/**
 * Builtin architectures. Ids are readable and stable (`conv1`, `conv1.act`, `pool1`); the
 * positional names convK/fcK happen to match the ids in a fresh builtin and drift apart as
 * the network grows, which is the point of having both.
 */
import { ActivationFn } from './kinds/activation';
import { Graph, GraphInput, parseGraph } from './graph';
import { GraphNodeInput } from './node';

export interface BuiltinOptions {
  inputShape?: number[];
  numClasses?: number;
}

type Layer = GraphNodeInput extends infer N
  ? N extends unknown
    ? Omit<N, 'inputs'> & { inputs?: string[] }
    : never
  : never;
type ConvExtra = { stride?: number; padding?: 'same' | 'valid'; bias?: boolean };

/** Builds a chain: each layer reads the previous one unless it names its inputs. */
class Chain {
  readonly nodes: GraphNodeInput[] = [];
  private last: string;
  constructor(inputShape: number[]) {
    this.nodes.push({ id: 'input', kind: 'input', inputs: [], shape: inputShape });
    this.last = 'input';
  }
  add(layer: Layer): this {
    this.nodes.push({ ...layer, inputs: layer.inputs ?? [this.last] } as GraphNodeInput);
    this.last = layer.id;
    return this;
  }
  conv(
    id: string,
    filters: number,
    kernel = 3,
    act: ActivationFn | null = 'relu',
    extra: ConvExtra = {},
  ): this {
    this.add({ id, kind: 'conv2d', filters, kernel, ...extra });
    return act ? this.act(`${id}.act`, act) : this;
  }
  /** conv (no bias: the batch norm's beta is one) → batch norm → activation. */
  convBn(id: string, filters: number, act: ActivationFn | null = 'relu'): this {
    this.add({ id, kind: 'conv2d', filters, kernel: 3, bias: false });
    this.add({ id: `${id}.bn`, kind: 'batchnorm' });
    return act ? this.act(`${id}.act`, act) : this;
  }
  dense(id: string, units: number, act: ActivationFn | null = 'relu'): this {
    this.add({ id, kind: 'dense', units });
    return act ? this.act(`${id}.act`, act) : this;
  }
  act(id: string, fn: ActivationFn): this {
    return this.add({ id, kind: 'activation', fn });
  }
  maxpool(id: string, padding: 'same' | 'valid' = 'valid'): this {
    return this.add({ id, kind: 'maxpool2d', pool: 2, padding });
  }
  at(id: string): this {
    this.last = id;
    return this;
  }
  get head(): string {
    return this.last;
  }
  graph(name: string): Graph {
    const g: GraphInput = { name, nodes: this.nodes, output: this.last };
    return parseGraph(g);
  }
}

type Builder = (o: Required<BuiltinOptions>) => Graph;

const BUILTINS: Record<string, { describe: string; build: Builder }> = {
  'seed-teacher': {
    describe: "the seed's Net2Net teacher: conv 64 → pool → conv 64 → pool → fc 64 → fc n_class",
    build: ({ inputShape, numClasses }) =>
      new Chain(inputShape)
        .conv('conv1', 64)
        .maxpool('pool1')
        .conv('conv2', 64)
        .maxpool('pool2')
        .add({ id: 'flatten', kind: 'flatten' })
        .dense('fc1', 64)
        .dense('fc2', numClasses, 'softmax')
        .graph('seed-teacher'),
  },
  'seed-ga': {
    describe:
      "the seed's GA start: conv 128 3x3 + PReLU → maxpool → conv n_class 3x3 → global max pool → softmax",
    build: ({ inputShape, numClasses }) =>
      new Chain(inputShape)
        .conv('conv1', 128, 3, 'prelu')
        .maxpool('pool1')
        .conv('conv2', numClasses, 3, null)
        .add({ id: 'gmp', kind: 'globalmaxpool' })
        .act('softmax', 'softmax')
        .graph('seed-ga'),
  },
  'seed-ga-bn': {
    describe:
      'seed-ga with batch norm after each conv: conv 128 3x3 + BN + PReLU → maxpool → conv n_class 3x3 + BN → global max pool → softmax',
    build: ({ inputShape, numClasses }) =>
      new Chain(inputShape)
        .convBn('conv1', 128, 'prelu')
        .maxpool('pool1')
        .convBn('conv2', numClasses, null)
        .add({ id: 'gmp', kind: 'globalmaxpool' })
        .act('softmax', 'softmax')
        .graph('seed-ga-bn'),
  },
  'cnn-bn': {
    describe:
      'a small batch-norm CNN: conv 16, 32 (pool after each), 64, each 3x3 + BN + ReLU → global average pool → fc 64 → fc n_class',
    build: ({ inputShape, numClasses }) =>
      new Chain(inputShape)
        .convBn('conv1', 16)
        .maxpool('pool1', 'same')
        .convBn('conv2', 32)
        .maxpool('pool2', 'same')
        .convBn('conv3', 64)
        .add({ id: 'gap', kind: 'globalavgpool' })
        .dense('fc1', 64)
        .dense('fc2', numClasses, 'softmax')
        .graph('cnn-bn'),
  },
  lenet: {
    describe:
      'LeNet-5 with ReLU and max pooling: conv 6 5x5 → pool → conv 16 5x5 → pool → fc 120 → 84 → n_class',
    build: ({ inputShape, numClasses }) =>
      new Chain(inputShape)
        .conv('conv1', 6, 5)
        .maxpool('pool1')
        .conv('conv2', 16, 5, 'relu', { padding: 'valid' })
        .maxpool('pool2')
        .add({ id: 'flatten', kind: 'flatten' })
        .dense('fc1', 120)
        .dense('fc2', 84)
        .dense('fc3', numClasses, 'softmax')
        .graph('lenet'),
  },
  mlp: {
    describe: 'a multilayer perceptron: flatten → fc 256 → fc 128 → fc n_class',
    build: ({ inputShape, numClasses }) => {
      const c = new Chain(inputShape);
      if (inputShape.length > 1) c.add({ id: 'flatten', kind: 'flatten' });
      return c.dense('fc1', 256).dense('fc2', 128).dense('fc3', numClasses, 'softmax').graph('mlp');
    },
  },
  vgg8: {
    describe:
      "the seed's VGG8: conv 64,64,128,128,256,256,256,256 (pool after each pair) → fc 2048 → 1024 → n_class",
    build: (o) =>
      vgg(
        'vgg8',
        [
          [64, 64],
          [128, 128],
          [256, 256],
          [256, 256],
        ],
        o,
      ),
  },
  vgg16: {
    describe:
      'VGG16 convolutions (64x2, 128x2, 256x3, 512x3, 512x3) with the seed-sized head fc 2048 → 1024 → n_class',
    build: (o) =>
      vgg(
        'vgg16',
        [
          [64, 64],
          [128, 128],
          [256, 256, 256],
          [512, 512, 512],
          [512, 512, 512],
        ],
        o,
      ),
  },
  'resnet-s': {
    describe:
      'a small residual net: conv 16 + BN, three basic blocks (16, 32/2, 64/2), global average pool, fc',
    build: ({ inputShape, numClasses }) => {
      const c = new Chain(inputShape)
        .conv('conv1', 16, 3, null)
        .add({ id: 'bn1', kind: 'batchnorm' })
        .act('relu1', 'relu');
      let width = 16;
      [16, 32, 64].forEach((w, i) => {
        const b = `b${i + 1}`;
        const from = c.head;
        const stride = w === width ? 1 : 2;
        c.conv(`${b}_conv1`, w, 3, null, { stride })
          .add({ id: `${b}_bn1`, kind: 'batchnorm' })
          .act(`${b}_relu1`, 'relu')
          .conv(`${b}_conv2`, w, 3, null)
          .add({ id: `${b}_bn2`, kind: 'batchnorm' });
        const main = c.head;
        let shortcut = from;
        if (stride !== 1 || w !== width) {
          c.at(from).conv(`${b}_proj`, w, 1, null, { stride });
          shortcut = c.head;
        }
        c.add({ id: `${b}_add`, kind: 'add', inputs: [main, shortcut] }).act(`${b}_out`, 'relu');
        width = w;
      });
      return c
        .add({ id: 'gap', kind: 'globalavgpool' })
        .dense('fc1', numClasses, 'softmax')
        .graph('resnet-s');
    },
  },
};

function vgg(name: string, blocks: number[][], { inputShape, numClasses }: Required<BuiltinOptions>): Graph {
  const c = new Chain(inputShape);
  let k = 0;
  // 'same' pooling keeps a 1x1 map at 1x1, so deep stacks still fit small inputs like 28x28.
  blocks.forEach((block, i) => {
    for (const f of block) c.conv(`conv${++k}`, f);
    c.maxpool(`pool${i + 1}`, 'same');
  });
  return c
    .add({ id: 'flatten', kind: 'flatten' })
    .dense('fc1', 2048)
    .dense('fc2', 1024)
    .dense('fc3', numClasses, 'softmax')
    .graph(name);
}

export const BUILTIN_NAMES = Object.keys(BUILTINS);

export function isBuiltin(name: string): boolean {
  return Object.hasOwn(BUILTINS, name);
}

/** A builtin architecture for a dataset's input shape and class count (default 28x28x1, 10). */
export function builtin(name: string, opts: BuiltinOptions = {}): Graph {
  const b = BUILTINS[name];
  if (!b) throw new Error(`unknown architecture '${name}'; builtins are ${BUILTIN_NAMES.join(', ')}`);
  return b.build({ inputShape: opts.inputShape ?? [28, 28, 1], numClasses: opts.numClasses ?? 10 });
}
