/**
 * The graph engine trains as netgrow's tfjs trainer does: lenet and seed-ga from the same
 * initial weights, on the same batches, with the same optimizer, give the same losses step
 * after step on the engine and on tfjs eager (the `tensorflow` backend, src/train's Stepper),
 * to 1e-4 absolute (float32, the same TensorFlow kernels summed in other orders: oneDNN's
 * fused convolutions in the engine's graph, tfjs's own ops in eager mode).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { loadNative } from '../../src/backend/native';
import { OptimizerSpec } from '../../src/contracts/train';
import { openEngine } from '../../src/engine/engine';
import { loadGraphAddon } from '../../src/engine/native';
import { builtin, Graph, initWeights, Rng, Weights } from '../../src/graph';
import { buildModel } from '../../src/model';
import { Optimizer } from '../../src/train/optimizer';
import { Stepper } from '../../src/train/step';

const TOLERANCE = 1e-4;
const STEPS = 6;
const BATCH = 32;
const { addon, why } = loadGraphAddon();
const native = loadNative();
const skip = !addon
  ? why
  : 'why' in native
    ? `the tensorflow backend is not available: ${native.why}`
    : false;

function batches(seed: number, shape: number[], classes: number) {
  const r = new Rng(seed);
  const per = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: STEPS }, () => ({
    x: Float32Array.from({ length: BATCH * per }, () => r.uniform(0, 1)),
    y: Int32Array.from({ length: BATCH }, () => r.int(classes)),
  }));
}

async function onEngine(g: Graph, w: Weights, optimizer: OptimizerSpec, l2: number, lrs: number[]) {
  const e = await openEngine(addon!, g, w, { optimizer, l2, threads: 1, interOpThreads: 1 });
  try {
    const losses: number[] = [];
    for (const [i, b] of batches(7, [28, 28, 1], 10).entries()) {
      losses.push((await e.step(b.x, b.y, BATCH, lrs[i])).loss);
    }
    return losses;
  } finally {
    e.close();
  }
}

function onTfjs(g: Graph, w: Weights, optimizer: OptimizerSpec, l2: number, lrs: number[]): number[] {
  const model = buildModel(g, w, { logits: true, l2 });
  const stepper = new Stepper(model, g, (params) => new Optimizer(optimizer, params), {
    inputShape: [28, 28, 1],
    classes: 10,
    l2,
  });
  try {
    return batches(7, [28, 28, 1], 10).map(
      (b, i) => stepper.step({ x: b.x, y: b.y, rows: BATCH, labelled: BATCH }, lrs[i]).loss,
    );
  } finally {
    stepper.dispose();
    model.dispose();
  }
}

const CASES: [string, OptimizerSpec, number][] = [
  ['lenet', OptimizerSpec.parse({ kind: 'sgd', lr: 0.05, momentum: 0.9 }), 1e-4],
  ['lenet', OptimizerSpec.parse({ kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }), 0],
  ['seed-ga', OptimizerSpec.parse({ kind: 'adam', lr: 0.003 }), 5e-4],
  ['seed-ga', OptimizerSpec.parse({ kind: 'sgd', lr: 0.05, momentum: 0 }), 0],
];

describe('graph engine against tfjs eager: the first steps', { skip }, () => {
  before(async () => {
    await initBackend({ prefer: 'tensorflow', log: () => undefined });
  });
  for (const [net, optimizer, l2] of CASES) {
    const what =
      optimizer.kind === 'adam'
        ? 'adam'
        : `sgd momentum ${optimizer.momentum}${optimizer.kind === 'sgd' && optimizer.nesterov ? ' nesterov' : ''}`;
    test(`${net}, ${what}, l2 ${l2}: ${STEPS} losses agree to ${TOLERANCE}`, async (t) => {
      const g = builtin(net);
      const w = initWeights(g, new Rng(11));
      // A changing rate: the schedule stays in TypeScript and is fed per step.
      const lrs = Array.from({ length: STEPS }, (_, i) => optimizer.lr * (1 - i / (2 * STEPS)));
      const engine = await onEngine(g, w, optimizer, l2, lrs);
      const eager = onTfjs(g, w, optimizer, l2, lrs);
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
      // The steps trained: a loss that never moved would agree trivially.
      assert.ok(Math.abs(engine[STEPS - 1] - engine[0]) > 1e-3, `losses ${engine.join(', ')}`);
    });
  }
});
