/**
 * Every op the graph engine emits, gradient against central finite differences. Each case is
 * a small network input → conv → OP → … → dense logits, so the conv kernel's gradient flows
 * back through the op under test (and the op's own parameters, when it has any, are checked
 * too). The engine's gradient is read as w − w' after one plain SGD step with lr 1; the loss
 * at a point is a step with lr 0, which leaves the weights alone. float32 throughout: a
 * coordinate passes when |fd − g| ≤ 5e-4 + 1e-2·|g| (h = 1e-3, small enough to cross a ReLU or max kink rarely; loss rounding ~1e-7 / 2h).
 * Dropout is random per run, so it is checked by its mask instead. The losses whose logit
 * gradient the engine seeds by hand are checked the same way: label smoothing, and
 * distillation's soft targets with a transfer row (labelled 0) in the batch.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OptimizerSpec } from '../../src/contracts/train';
import { DistillFeed, EngineOptions, openEngine, GraphEngine } from '../../src/engine/engine';
import { loadGraphAddon } from '../../src/engine/native';
import { skipWhen } from '../support/skip';
import { cloneWeights, Graph, GraphNodeInput, initWeights, parseGraph, Rng, Weights } from '../../src/graph';

const { addon, why } = loadGraphAddon();
const skip = skipWhen('no-graph-engine', addon ? null : why);
const SGD = OptimizerSpec.parse({ kind: 'sgd', lr: 1, momentum: 0 });
const BATCH = 4;
const TOL_ABS = 5e-4;
const TOL_REL = 1e-2;
const SHAPE = [6, 6, 2];

type Layer = GraphNodeInput extends infer N
  ? N extends unknown
    ? Omit<N, 'inputs'> & { inputs?: string[] }
    : never
  : never;

/** input → conv `c0` → the layers → (flatten unless a vector) → dense `out` (3 classes). */
function net(layers: Layer[], vectorAtEnd = false): Graph {
  const nodes: GraphNodeInput[] = [
    { id: 'x', kind: 'input', inputs: [], shape: SHAPE },
    { id: 'c0', kind: 'conv2d', inputs: ['x'], filters: 4, kernel: 3 },
  ];
  let last = 'c0';
  for (const l of layers) {
    nodes.push({ ...l, inputs: l.inputs ?? [last] } as GraphNodeInput);
    last = l.id;
  }
  if (!vectorAtEnd) {
    nodes.push({ id: 'flat', kind: 'flatten', inputs: [last] });
    last = 'flat';
  }
  nodes.push({ id: 'out', kind: 'dense', inputs: [last], units: 3 });
  return parseGraph({ nodes, output: 'out' });
}

const CASES: Record<string, Graph> = {
  'conv2d valid, stride 2, no bias': net([
    { id: 'c1', kind: 'conv2d', filters: 3, kernel: 2, stride: 2, padding: 'valid', bias: false },
  ]),
  relu: net([{ id: 'a', kind: 'activation', fn: 'relu' }]),
  prelu: net([{ id: 'a', kind: 'activation', fn: 'prelu' }]),
  elu: net([{ id: 'a', kind: 'activation', fn: 'elu' }]),
  tanh: net([{ id: 'a', kind: 'activation', fn: 'tanh' }]),
  sigmoid: net([{ id: 'a', kind: 'activation', fn: 'sigmoid' }]),
  'softmax (inside the network)': net(
    [
      { id: 'g', kind: 'globalavgpool' },
      { id: 'a', kind: 'activation', fn: 'softmax' },
    ],
    true,
  ),
  'batchnorm (training mode)': net([{ id: 'bn', kind: 'batchnorm' }]),
  'batchnorm on a vector': net(
    [
      { id: 'g', kind: 'globalavgpool' },
      { id: 'bn', kind: 'batchnorm' },
    ],
    true,
  ),
  'maxpool2d same': net([{ id: 'p', kind: 'maxpool2d', pool: 2, padding: 'same' }]),
  'avgpool2d valid, stride 1': net([{ id: 'p', kind: 'avgpool2d', pool: 3, stride: 1 }]),
  globalmaxpool: net([{ id: 'g', kind: 'globalmaxpool' }], true),
  globalavgpool: net([{ id: 'g', kind: 'globalavgpool' }], true),
  'prelu on a vector': net(
    [
      { id: 'g', kind: 'globalavgpool' },
      { id: 'a', kind: 'activation', fn: 'prelu' },
    ],
    true,
  ),
  'add of three': net([
    { id: 'b1', kind: 'conv2d', filters: 4, kernel: 1, inputs: ['c0'] },
    { id: 'b2', kind: 'activation', fn: 'tanh', inputs: ['c0'] },
    { id: 's', kind: 'add', inputs: ['c0', 'b1', 'b2'] },
  ]),
  'add of two': net([
    { id: 'b1', kind: 'conv2d', filters: 4, kernel: 1, inputs: ['c0'] },
    { id: 's', kind: 'add', inputs: ['c0', 'b1'] },
  ]),
  concat: net([
    { id: 'b1', kind: 'conv2d', filters: 2, kernel: 1, inputs: ['c0'] },
    { id: 'cat', kind: 'concat', inputs: ['c0', 'b1'] },
  ]),
  slice: net([{ id: 'sl', kind: 'slice', begin: 1, size: 2 }]),
  'dense chain with flatten': net(
    [
      { id: 'f', kind: 'flatten' },
      { id: 'd', kind: 'dense', units: 5 },
      { id: 'da', kind: 'activation', fn: 'relu' },
    ],
    true,
  ),
};

function batch(seed: number): { x: Float32Array; y: Int32Array } {
  const r = new Rng(seed);
  const x = Float32Array.from({ length: BATCH * 72 }, () => r.normal());
  const y = Int32Array.from({ length: BATCH }, () => r.int(3));
  return { x, y };
}

async function lossAt(
  e: GraphEngine,
  w: Weights,
  b: { x: Float32Array; y: Int32Array },
  feed?: DistillFeed,
): Promise<number> {
  await e.writeWeights(w);
  return (await e.step(b.x, b.y, BATCH, 0, feed)).loss;
}

async function check(
  g: Graph,
  l2: number,
  loss: Partial<EngineOptions> = {},
  feed?: DistillFeed,
): Promise<void> {
  const w0 = initWeights(g, new Rng(3));
  // Non-trivial batch-norm parameters and biases, so that their gradients are not special.
  const r = new Rng(4);
  for (const [k, t] of w0) {
    if (/\/(bias|beta|gamma|alpha)$/.test(k))
      for (let i = 0; i < t.data.length; i++) t.data[i] += r.uniform(-0.3, 0.3);
  }
  const e = await openEngine(addon!, g, w0, { optimizer: SGD, l2, threads: 1, interOpThreads: 1, ...loss });
  try {
    const b = batch(5);
    await e.writeWeights(w0);
    await e.step(b.x, b.y, BATCH, 1, feed);
    const after = await e.readWeights();
    const h = 1e-3;
    let largest = 0;
    for (const [key, t] of w0) {
      if (/moving/.test(key)) continue;
      const picks = [0, Math.floor(t.data.length / 2), t.data.length - 1];
      for (const i of new Set(picks)) {
        const grad = t.data[i] - after.get(key)!.data[i];
        largest = Math.max(largest, Math.abs(grad));
        const plus = cloneWeights(w0);
        plus.get(key)!.data[i] += h;
        const minus = cloneWeights(w0);
        minus.get(key)!.data[i] -= h;
        const fd = ((await lossAt(e, plus, b, feed)) - (await lossAt(e, minus, b, feed))) / (2 * h);
        assert.ok(
          Math.abs(fd - grad) <= TOL_ABS + TOL_REL * Math.abs(grad),
          `${key}[${i}]: engine ${grad.toExponential(4)}, finite differences ${fd.toExponential(4)}`,
        );
      }
    }
    // A check of gradients that are all about zero would pass whatever the engine did.
    assert.ok(largest > 20 * TOL_ABS, `the largest gradient checked is only ${largest}`);
  } finally {
    e.close();
  }
}

describe('graph engine gradients against finite differences', { skip }, () => {
  for (const [name, g] of Object.entries(CASES)) {
    test(name, () => check(g, 0));
  }
  test('L2 on conv and dense kernels', () => check(CASES.relu, 0.05));
  test('label smoothing', () => check(CASES.relu, 0, { labelSmoothing: 0.2 }));
  test('distillation: soft targets at T = 2, α = 0.3, the last row a transfer image', () => {
    const r = new Rng(6);
    const teacher = Float32Array.from({ length: BATCH * 3 }, () => 2 * r.normal());
    return check(
      CASES.relu,
      0,
      { labelSmoothing: 0.1, distill: { temperature: 2, alpha: 0.3 } },
      { labelled: BATCH - 1, teacher },
    );
  });

  test('dropout: training keeps about 1 − rate, scaled by 1/(1 − rate); inference is the identity', async () => {
    // input → dropout → flatten → dense with an identity kernel: the logits are the dropped input.
    const g = parseGraph({
      nodes: [
        { id: 'x', kind: 'input', inputs: [], shape: [400] },
        { id: 'd', kind: 'dropout', inputs: ['x'], rate: 0.25 },
        { id: 'out', kind: 'dense', inputs: ['d'], units: 400, bias: false },
      ],
      output: 'out',
    });
    const w: Weights = new Map([['out/kernel', { shape: [400, 400], data: new Float32Array(400 * 400) }]]);
    for (let i = 0; i < 400; i++) w.get('out/kernel')!.data[i * 401] = 1;
    const e = await openEngine(addon!, g, w, { optimizer: SGD, threads: 1, interOpThreads: 1 });
    try {
      const x = new Float32Array(400).fill(1);
      // The gradient w.r.t. the identity kernel's diagonal is dropout's mask (times dlogits):
      // zero exactly where the unit was dropped.
      await e.step(x, new Int32Array([0]), 1, 1);
      const k = (await e.readWeights()).get('out/kernel')!.data;
      const moved = Array.from({ length: 400 }, (_, i) => k[i * 401] !== 1).filter(Boolean).length;
      assert.ok(moved > 400 * 0.75 - 40 && moved < 400 * 0.75 + 40, `${moved} of 400 units kept`);
      await e.writeWeights(w);
      const ev = await e.evaluate({ x, y: new Int32Array([0]), count: 1 });
      // Inference: logits = x (all ones), so the cross-entropy is log(400).
      assert.ok(Math.abs(ev.loss - Math.log(400)) < 1e-5, `inference loss ${ev.loss}`);
    } finally {
      e.close();
    }
  });
});
