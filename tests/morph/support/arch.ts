/**
 * Random valid architectures and non-trivial weights for the morph property tests: small
 * DAGs that use every node kind (strided and `valid` convs, batch norm before or after the
 * activation, every activation, pools, residual adds, concat branches, grouped slices,
 * flatten or global-pool heads), so that morphisms meet every consumer they must fix up.
 */
import {
  ActivationFn,
  builtin,
  Graph,
  GraphNodeInput,
  inferShapes,
  initWeights,
  parseGraph,
  Rng,
  Shape,
  Weights,
} from '../../../src/graph';

const ACTS: Array<ActivationFn | null> = ['relu', 'relu', 'prelu', 'elu', 'tanh', 'sigmoid', 'linear', null];

class Builder {
  nodes: GraphNodeInput[] = [];
  private k = 0;
  constructor(readonly rng: Rng) {}
  id(base: string): string {
    return `${base}${++this.k}`;
  }
  add(n: GraphNodeInput): string {
    this.nodes.push(n);
    return n.id;
  }
  shapeOf(id: string): Shape {
    const first = this.nodes[0];
    if (id === first.id && first.kind === 'input') return first.shape;
    return inferShapes(parseGraph({ nodes: this.nodes, output: id })).get(id)!;
  }
  /** conv → [bn] → [act] → [bn] → [dropout], each optional. */
  layer(
    kind: 'conv2d' | 'dense',
    input: string,
    width: number,
    conv?: { kernel: number; stride: number; padding: 'same' | 'valid' },
  ): string {
    const r = this.rng;
    let x =
      kind === 'conv2d'
        ? this.add({
            id: this.id('c'),
            kind,
            inputs: [input],
            filters: width,
            bias: r.next() < 0.8,
            ...conv!,
          })
        : this.add({ id: this.id('d'), kind, inputs: [input], units: width, bias: r.next() < 0.8 });
    if (r.next() < 0.3) x = this.add({ id: this.id('bn'), kind: 'batchnorm', inputs: [x] });
    const act = r.pick(ACTS);
    if (act) x = this.add({ id: this.id('a'), kind: 'activation', inputs: [x], fn: act });
    if (r.next() < 0.1) x = this.add({ id: this.id('bn'), kind: 'batchnorm', inputs: [x] });
    if (r.next() < 0.15) x = this.add({ id: this.id('drop'), kind: 'dropout', inputs: [x], rate: 0.3 });
    return x;
  }
}

function imageBody(b: Builder, x: string, stages: number): string {
  const r = b.rng;
  for (let s = 0; s < stages; s++) {
    const [h, w, c] = b.shapeOf(x);
    const width = 2 + r.int(5);
    // The first stage is a conv, so every network has a layer to grow besides its head.
    const roll = s === 0 ? 0 : r.next();
    if (roll < 0.45) {
      const kernel = r.pick([1, 3, 3, 5]);
      const padding = r.next() < 0.75 || kernel > Math.min(h, w) ? 'same' : 'valid';
      const stride = h >= 4 && w >= 4 && r.next() < 0.2 ? 2 : 1;
      x = b.layer('conv2d', x, width, { kernel, stride, padding });
    } else if (roll < 0.6 && h >= 2 && w >= 2) {
      const kind = r.next() < 0.5 ? 'maxpool2d' : 'avgpool2d';
      x = b.add({ id: b.id('p'), kind, inputs: [x], pool: 2, padding: r.next() < 0.5 ? 'valid' : 'same' });
    } else if (roll < 0.75) {
      // A residual block that keeps the shape.
      const y = b.layer('conv2d', x, c, { kernel: 3, stride: 1, padding: 'same' });
      const z = b.add({ id: b.id('c'), kind: 'conv2d', inputs: [y], filters: c, kernel: 1 });
      x = b.add({ id: b.id('add'), kind: 'add', inputs: [x, z] });
      if (r.next() < 0.5) x = b.add({ id: b.id('a'), kind: 'activation', inputs: [x], fn: 'relu' });
    } else if (roll < 0.88) {
      const p = b.layer('conv2d', x, width, { kernel: 1, stride: 1, padding: 'same' });
      const q = b.layer('conv2d', x, 2 + r.int(3), { kernel: 3, stride: 1, padding: 'same' });
      x = b.add({ id: b.id('cat'), kind: 'concat', inputs: [p, q] });
    } else if (c >= 2) {
      // Grouped: two slices, a conv each, concatenated.
      const cut = 1 + r.int(c - 1);
      const towers = [
        [0, cut],
        [cut, c - cut],
      ].map(([begin, size]) => {
        const sl = b.add({ id: b.id('s'), kind: 'slice', inputs: [x], begin, size });
        return b.layer('conv2d', sl, 1 + r.int(3), { kernel: 3, stride: 1, padding: 'same' });
      });
      x = b.add({ id: b.id('cat'), kind: 'concat', inputs: towers });
    }
  }
  return x;
}

function vectorBody(b: Builder, x: string, layers: number): string {
  const r = b.rng;
  for (let i = 0; i < layers; i++) {
    const [d] = b.shapeOf(x);
    if (r.next() < 0.2) {
      const y = b.layer('dense', x, d);
      x = b.add({ id: b.id('add'), kind: 'add', inputs: [x, y] });
    } else {
      x = b.layer('dense', x, 2 + r.int(7));
    }
  }
  return x;
}

/** A random valid graph: an image or vector input, a random body, a classifier head. */
export function randomArch(rng: Rng): Graph {
  const b = new Builder(rng);
  const image = rng.next() < 0.8;
  const h = 4 + rng.int(6);
  const shape = image ? [h, rng.next() < 0.8 ? h : 4 + rng.int(6), 1 + rng.int(3)] : [3 + rng.int(6)];
  let x = b.add({ id: 'input', kind: 'input', inputs: [], shape });
  if (image) {
    x = imageBody(b, x, 1 + rng.int(4));
    const [hh, ww, c] = b.shapeOf(x);
    const head =
      hh * ww * c <= 150 && rng.next() < 0.5
        ? 'flatten'
        : rng.pick(['globalavgpool', 'globalmaxpool'] as const);
    x = b.add({ id: b.id('head'), kind: head, inputs: [x] });
  }
  x = vectorBody(b, x, image ? rng.int(3) : 1 + rng.int(2));
  x = b.add({ id: b.id('d'), kind: 'dense', inputs: [x], units: 2 + rng.int(3) });
  if (rng.next() < 0.7) x = b.add({ id: 'softmax', kind: 'activation', inputs: [x], fn: 'softmax' });
  return parseGraph({ name: 'random', nodes: b.nodes, output: x });
}

/** Builtins at sizes a float64 reference pass runs in milliseconds. */
export function smallBuiltin(rng: Rng): Graph {
  const choices: Array<[string, number[]]> = [
    ['seed-teacher', [8, 8, 1]],
    ['seed-teacher', [6, 6, 2]],
    ['seed-ga', [8, 8, 1]],
    ['seed-ga', [6, 6, 3]],
    ['lenet', [12, 12, 1]],
    ['mlp', [5]],
    ['resnet-s', [8, 8, 1]],
    ['seed-ga-bn', [8, 8, 1]],
    ['seed-ga-bn', [6, 6, 3]],
    ['cnn-bn', [8, 8, 1]],
    ['cnn-bn', [6, 6, 2]],
  ];
  const [name, inputShape] = rng.pick(choices);
  return builtin(name, { inputShape, numClasses: 2 + rng.int(3) });
}

/** Fresh weights with every statistic non-trivial: random biases, BN statistics, PReLU alphas. */
export function randomWeights(g: Graph, rng: Rng): Weights {
  const w = initWeights(g, rng);
  for (const [key, t] of w) {
    const param = key.slice(key.lastIndexOf('/') + 1);
    const draw: Record<string, () => number> = {
      bias: () => rng.normal() * 0.2,
      gamma: () => rng.uniform(0.5, 1.5),
      beta: () => rng.normal() * 0.2,
      movingMean: () => rng.normal() * 0.3,
      movingVariance: () => rng.uniform(0.5, 2),
      alpha: () => rng.uniform(-0.3, 0.6),
    };
    if (draw[param]) for (let i = 0; i < t.data.length; i++) t.data[i] = draw[param]();
  }
  return w;
}

export function randomInputs(g: Graph, batch: number, rng: Rng): Float64Array {
  const input = g.nodes.find((n) => n.kind === 'input');
  const shape = input?.kind === 'input' ? input.shape : [];
  return Float64Array.from({ length: batch * shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}
