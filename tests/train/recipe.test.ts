/**
 * The training recipe options against hand computations: the warm-up's rate sequence (alone
 * and through a run's train.csv), one decoupled-weight-decay step, and the label-smoothed loss.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { initWeights, Rng } from '../../src/graph';
import { readTrainCsv } from '../../src/log';
import { buildModel, tf } from '../../src/model';
import { openStore } from '../../src/storage';
import { TrainSpec } from '../../src/contracts/train';
import { SearchConfig } from '../../src/search/config';
import { softmaxCrossEntropy } from '../../src/train/losses';
import { Optimizer } from '../../src/train/optimizer';
import { runTraining } from '../../src/train/run';
import { LrSchedule } from '../../src/train/schedule';
import { Stepper } from '../../src/train/step';
import { warmupFactor } from '../../src/train/warmup';
import { decayWeights } from '../../src/train/weight-decay';
import {
  CLASSES,
  lines,
  patternData,
  patternSet,
  SHAPE,
  startCheckpoint,
  tempDir,
  tinyNet,
} from './fixtures';
import { useTestBackend } from '../support/backend';

before(async () => {
  await useTestBackend();
});

const round = (xs: number[]) => xs.map((x) => +x.toPrecision(10));

describe('linear warm-up', () => {
  test('1 epoch of 4 steps at 0.1, then the schedule', () => {
    const constant = new LrSchedule({ kind: 'constant' }, 0.1, 3);
    const rates = [0, 1].flatMap((epoch) =>
      [0, 1, 2, 3].map((step) => constant.lrAt(epoch, step / 4) * warmupFactor(1, epoch, step, 4)),
    );
    assert.deepEqual(round(rates), [0.025, 0.05, 0.075, 0.1, 0.1, 0.1, 0.1, 0.1]);
    // Half an epoch of 4 steps is 2 steps; the cosine's own rate is scaled during them.
    const cos = new LrSchedule({ kind: 'cosine', minLr: 0 }, 1, 2);
    const at = (e: number, s: number) => cos.lrAt(e, s / 4) * warmupFactor(0.5, e, s, 4);
    assert.deepEqual(
      round([at(0, 0), at(0, 1), at(0, 2)]),
      round([cos.lrAt(0, 0) / 2, cos.lrAt(0, 0.25), cos.lrAt(0, 0.5)]),
    );
    assert.equal(warmupFactor(undefined, 0, 0, 4), 1);
    assert.equal(warmupFactor(0, 0, 0, 4), 1);
  });

  test("a run's logged rates follow it: 256 rows, batch 64, warmupEpochs 1, step decay", async () => {
    const dir = tempDir('warmup');
    const output = join(dir, 'run');
    await runTraining(
      {
        runId: 'warmup',
        checkpoint: await startCheckpoint(dir),
        output,
        epochs: 2,
        batchSize: 64,
        logEverySteps: 1,
        optimizer: { kind: 'sgd', lr: 0.08, momentum: 0.9 },
        schedule: { kind: 'step', every: 1, factor: 0.5, warmupEpochs: 1 },
      },
      { data: patternData(), log: lines().log },
    );
    const steps = (await readTrainCsv(openStore(output), 'train.csv')).filter((r) => r.kind === 'step');
    assert.deepEqual(round(steps.map((r) => r.lr)), [0.02, 0.04, 0.06, 0.08, 0.04, 0.04, 0.04, 0.04]);
  });
});

describe('decoupled weight decay', () => {
  test('one SGD step: kernels lose lr·λ of themselves on top of the plain step; biases do not', () => {
    const graph = tinyNet();
    const weights = initWeights(graph, new Rng(4));
    const batch = patternSet(16, 5);
    const lr = 0.1;
    const decay = 0.01;
    const stepWith = (weightDecay: number) => {
      const model = buildModel(graph, weights, { logits: true });
      const stepper = new Stepper(
        model,
        graph,
        (ps) => new Optimizer({ kind: 'sgd', lr, momentum: 0, nesterov: false }, ps),
        {
          inputShape: SHAPE,
          classes: CLASSES,
          l2: 0,
          weightDecay,
        },
      );
      stepper.step({ x: batch.x, y: batch.y, rows: 16, labelled: 16 }, lr);
      const after = new Map(
        model.weights.map((w) => [w.originalName, Float64Array.from(w.read().dataSync())]),
      );
      stepper.dispose();
      model.dispose();
      return after;
    };
    const plain = stepWith(0);
    const decayed = stepWith(decay);
    const before = new Map(
      (() => {
        const m = buildModel(graph, weights, { logits: true });
        const w = m.weights.map((v) => [v.originalName, Float64Array.from(v.read().dataSync())] as const);
        m.dispose();
        return w;
      })(),
    );
    let kernels = 0;
    for (const [key, w0] of before) {
      const want = key.endsWith('/kernel')
        ? w0.map((v, i) => plain.get(key)![i] - lr * decay * v)
        : plain.get(key)!;
      const got = decayed.get(key)!;
      want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-6, `${key}[${i}]: ${got[i]} vs ${v}`));
      if (key.endsWith('/kernel')) kernels++;
    }
    assert.equal(kernels, 3);
  });

  test('with momentum: p ← p − lr·λ·p − lr·v, v from the gradient alone (float64 reference)', () => {
    const p = { key: 'w', variable: tf.variable(tf.tensor1d([1, -2])) };
    const opt = new Optimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false }, [p]);
    let w = [1, -2];
    let v = [0, 0];
    for (const lr of [0.1, 0.1, 0.05]) {
      // f(w) = ½‖w‖²: the gradient is w, taken before the decay.
      const g = new Map([['w', tf.tensor1d(Array.from(p.variable.dataSync()))]]);
      // What Stepper.step does after the gradients: decay, then the optimizer's update.
      decayWeights([p.variable], lr, 0.5);
      opt.apply(g, lr);
      g.get('w')!.dispose();
      v = v.map((vi, i) => 0.9 * vi + w[i]);
      w = w.map((wi, i) => wi - lr * 0.5 * wi - lr * v[i]);
      Array.from(p.variable.dataSync()).forEach((x, i) =>
        assert.ok(Math.abs(x - w[i]) <= 1e-6, `${x} vs ${w[i]}`),
      );
    }
    opt.dispose();
    p.variable.dispose();
  });

  test('with Adam (AdamW): the decay stays out of the moments (float64 reference)', () => {
    const p = { key: 'w', variable: tf.variable(tf.tensor1d([1, -2])) };
    const [b1, b2, eps, decay] = [0.9, 0.999, 1e-7, 0.1];
    const opt = new Optimizer({ kind: 'adam', lr: 0.01, beta1: b1, beta2: b2, epsilon: eps }, [p]);
    let w = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    [0.01, 0.01, 0.02].forEach((lr, i) => {
      const t = i + 1;
      const g = new Map([['w', tf.tensor1d(Array.from(p.variable.dataSync()))]]);
      decayWeights([p.variable], lr, decay);
      opt.apply(g, lr);
      g.get('w')!.dispose();
      m = m.map((mi, k) => b1 * mi + (1 - b1) * w[k]);
      v = v.map((vi, k) => b2 * vi + (1 - b2) * w[k] * w[k]);
      const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      w = w.map((wi, k) => wi - lr * decay * wi - (lrT * m[k]) / (Math.sqrt(v[k]) + eps));
      Array.from(p.variable.dataSync()).forEach((x, k) =>
        assert.ok(Math.abs(x - w[k]) <= 1e-6, `${x} vs ${w[k]}`),
      );
    });
    opt.dispose();
    p.variable.dispose();
  });
});

const HAND =
  0.5 * (0.9333333 * 0.241311 + 0.0333333 * 3.241311 + 0.0333333 * 1.741311) +
  0.5 * (0.0333333 * 3.094923 + 0.9333333 * 3.094923 + 0.0333333 * 0.094923);

describe('label smoothing', () => {
  test('ε 0.1 over 3 classes matches −Σ target·log softmax by hand', () => {
    const rows = [
      [2, -1, 0.5],
      [0, 0, 3],
    ];
    const labels = [0, 1];
    const eps = 0.1;
    const want =
      rows
        .map((z, r) => {
          const lse = Math.log(z.reduce((a, v) => a + Math.exp(v), 0));
          return z.reduce((a, zk, k) => a + ((k === labels[r] ? 1 - eps : 0) + eps / 3) * (lse - zk), 0);
        })
        .reduce((a, b) => a + b) / rows.length;
    const t = softmaxCrossEntropy(tf.tensor2d(rows), tf.tensor1d(labels, 'int32'), undefined, eps);
    const got = t.dataSync()[0];
    t.dispose();
    assert.ok(Math.abs(got - want) <= 1e-6, `${got} vs ${want}`);
    // The same by hand: row 1 lse = log(e² + e⁻¹ + e^0.5) = 2.241311, targets (0.9333, 0.0333, 0.0333);
    // row 2 lse = log(2 + e³) = 3.094923, targets (0.0333, 0.9333, 0.0333).
    assert.ok(Math.abs(got - HAND) <= 1e-5, `${got} vs ${HAND}`);
  });
});

describe('the recipe is reachable from a search config', () => {
  test('warm-up, weight decay, label smoothing, Nesterov, clipNorm and augmentation parse into train and dataset', () => {
    const c = SearchConfig.parse({
      name: 'recipe',
      dataset: { name: 'fashion-mnist', augment: true },
      train: {
        optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
        schedule: { kind: 'cosine', warmupEpochs: 1 },
        weightDecay: 5e-4,
        labelSmoothing: 0.1,
        clipNorm: 5,
      },
    });
    assert.deepEqual(
      [c.train.schedule, c.train.weightDecay, c.train.labelSmoothing, c.train.clipNorm, c.dataset.augment],
      [{ kind: 'cosine', minLr: 0, warmupEpochs: 1 }, 5e-4, 0.1, 5, true],
    );
    assert.equal(c.train.optimizer.kind === 'sgd' && c.train.optimizer.nesterov, true);
    const spec = TrainSpec.parse({ runId: 'r', checkpoint: 'builtin:lenet', output: '/tmp/x', ...c.train });
    assert.equal(spec.weightDecay, 5e-4);
    assert.throws(() => TrainSpec.parse({ runId: 'r', checkpoint: 'c', output: 'o', labelSmoothing: 1 }));
  });
});
