/**
 * The graph engine trains as netgrow's tfjs trainer does: lenet, seed-ga and resnet-s from the
 * same initial weights, on the same batches, with the same optimizer, give the same losses
 * step after step on the engine and on tfjs eager (the `tensorflow` backend, src/train's
 * Stepper) to 1e-4 absolute, and every parameter after the steps to 5e-4 (relative above 1;
 * batch norm's moving statistics included). float32: the same TensorFlow kernels, summed in
 * other orders (oneDNN's fused convolutions in the engine's graph, single ops in eager mode).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { loadNative } from '../../src/backend/native';
import { OptimizerSpec } from '../../src/contracts/train';
import { openEngine } from '../../src/engine/engine';
import { loadGraphAddon } from '../../src/engine/native';
import { skipWhen } from '../support/skip';
import { builtin, Graph, initWeights, Rng, Weights } from '../../src/graph';
import { buildModel, readWeights } from '../../src/model';
import { Optimizer } from '../../src/train/optimizer';
import { Stepper } from '../../src/train/step';

const TOLERANCE = 1e-4;
/** Rounding differences compound over the steps: resnet-s's first kernel is off by 1.4e-4. */
const WEIGHT_TOLERANCE = 5e-4;
const STEPS = 6;
const BATCH = 32;
const { addon, why } = loadGraphAddon();
const native = loadNative();
const skip =
  skipWhen('no-graph-engine', addon ? null : why) ||
  skipWhen('no-native', 'why' in native ? native.why : null);

function batches(seed: number, shape: number[], classes: number) {
  const r = new Rng(seed);
  const per = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: STEPS }, () => ({
    x: Float32Array.from({ length: BATCH * per }, () => r.uniform(0, 1)),
    y: Int32Array.from({ length: BATCH }, () => r.int(classes)),
  }));
}

async function onEngine(g: Graph, w: Weights, c: Case, lrs: number[]) {
  const { optimizer, l2, clipNorm } = c;
  const e = await openEngine(addon!, g, w, { optimizer, l2, clipNorm, threads: 1, interOpThreads: 1 });
  try {
    const losses: number[] = [];
    for (const [i, b] of batches(7, [28, 28, 1], 10).entries()) {
      losses.push((await e.step(b.x, b.y, BATCH, lrs[i])).loss);
    }
    return { losses, weights: await e.readWeights() };
  } finally {
    e.close();
  }
}

function onTfjs(g: Graph, w: Weights, c: Case, lrs: number[]) {
  const { optimizer, l2, clipNorm } = c;
  const model = buildModel(g, w, { logits: true, l2 });
  const stepper = new Stepper(model, g, (params) => new Optimizer(optimizer, params), {
    inputShape: [28, 28, 1],
    classes: 10,
    l2,
    clipNorm,
  });
  try {
    const losses = batches(7, [28, 28, 1], 10).map(
      (b, i) => stepper.step({ x: b.x, y: b.y, rows: BATCH, labelled: BATCH }, lrs[i]).loss,
    );
    return { losses, weights: readWeights(model, g) };
  } finally {
    stepper.dispose();
    model.dispose();
  }
}

interface Case {
  net: string;
  optimizer: OptimizerSpec;
  l2: number;
  clipNorm?: number;
}
const sgd = (momentum: number, nesterov = false) =>
  OptimizerSpec.parse({ kind: 'sgd', lr: 0.05, momentum, nesterov });
const CASES: Case[] = [
  { net: 'lenet', optimizer: sgd(0.9), l2: 1e-4 },
  { net: 'lenet', optimizer: sgd(0.9, true), l2: 0 },
  // A norm the gradients exceed, so every step is clipped.
  { net: 'lenet', optimizer: sgd(0.9), l2: 0, clipNorm: 0.05 },
  { net: 'seed-ga', optimizer: OptimizerSpec.parse({ kind: 'adam', lr: 0.003 }), l2: 5e-4 },
  { net: 'seed-ga', optimizer: sgd(0), l2: 0 },
  // Batch norm in training mode, and its moving statistics compared below.
  { net: 'resnet-s', optimizer: OptimizerSpec.parse({ kind: 'sgd', lr: 0.01, momentum: 0.9 }), l2: 0 },
];

describe('graph engine against tfjs eager: the first steps', { skip }, () => {
  before(async () => {
    await initBackend({ prefer: 'tensorflow', log: () => undefined });
  });
  for (const c of CASES) {
    const { net, optimizer } = c;
    const what =
      (optimizer.kind === 'adam'
        ? 'adam'
        : `sgd momentum ${optimizer.momentum}${optimizer.kind === 'sgd' && optimizer.nesterov ? ' nesterov' : ''}`) +
      `, l2 ${c.l2}${c.clipNorm ? `, clipped to norm ${c.clipNorm}` : ''}`;
    test(`${net}, ${what}: ${STEPS} losses agree to ${TOLERANCE}`, async (t) => {
      const g = builtin(net);
      const w = initWeights(g, new Rng(11));
      // A changing rate: the schedule stays in TypeScript and is fed per step.
      const lrs = Array.from({ length: STEPS }, (_, i) => optimizer.lr * (1 - i / (2 * STEPS)));
      const { losses: engine, weights: engineWeights } = await onEngine(g, w, c, lrs);
      const { losses: eager, weights: eagerWeights } = onTfjs(g, w, c, lrs);
      for (let i = 0; i < STEPS; i++) {
        assert.ok(
          Math.abs(engine[i] - eager[i]) <= TOLERANCE,
          `step ${i}: engine ${engine[i]}, tfjs ${eager[i]} (engine ${engine.join(', ')}; tfjs ${eager.join(', ')})`,
        );
      }
      const worst = Math.max(...engine.map((l, i) => Math.abs(l - eager[i])));
      t.diagnostic(
        `largest difference ${worst.toExponential(2)}; losses ${engine[0].toFixed(4)} → ${engine[STEPS - 1].toFixed(4)}`,
      );
      // Every parameter after the steps, batch norm's moving statistics included.
      for (const [k, t] of eagerWeights) {
        const mine = engineWeights.get(k)!.data;
        const off = Math.max(...t.data.map((v, i) => Math.abs(v - mine[i]) / Math.max(1, Math.abs(v))));
        assert.ok(off <= WEIGHT_TOLERANCE, `${k} after ${STEPS} steps differs by ${off}`);
      }
      // The steps trained: a loss that never moved would agree trivially.
      assert.ok(Math.abs(engine[STEPS - 1] - engine[0]) > 1e-3, `losses ${engine.join(', ')}`);
    });
  }
});
