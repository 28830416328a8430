/**
 * One optimizer step and batched evaluation on a tfjs-layers model built with `logits: true`.
 * Everything a step allocates is freed inside it: the live tensor count stays flat across
 * epochs (tests/train/leaks.test.ts pins this).
 */
import { Graph, Shape } from '../graph';
import { tf, tfl } from '../backend/tf';
import { correctCount, distillationLoss, l2Penalty, softmaxCrossEntropy } from './losses';
import { clipByGlobalNorm, Optimizer, Param } from './optimizer';
import { decayWeights } from './weight-decay';

export interface StepBatch {
  /** NHWC images, `rows` of them. */
  x: Float32Array;
  /** Labels; rows past `labelled` (transfer images) carry 0 and do not count. */
  y: Int32Array;
  rows: number;
  labelled: number;
  /** Teacher logits for every row (distillation only). */
  teacher?: Float32Array;
}

export interface StepOutcome {
  loss: number;
  correct: number;
}

export interface StepperOptions {
  inputShape: Shape;
  classes: number;
  l2: number;
  /** Decoupled weight decay λ (weight-decay.ts); absent = 0. */
  weightDecay?: number;
  /** Label smoothing ε of the training loss; absent = 0. */
  labelSmoothing?: number;
  clipNorm?: number;
  distill?: { temperature: number; alpha: number };
}

/** The trainable variables of a model under stable keys (`conv1/kernel`), and the L2 targets. */
export function trainableParams(
  model: tfl.LayersModel,
  g: Graph,
): { params: Param[]; kernels: tf.Variable[] } {
  const params: Param[] = [];
  const kernels: tf.Variable[] = [];
  for (const layer of model.layers) {
    const node = g.nodes.find((n) => n.id === layer.name);
    for (const w of layer.trainableWeights) {
      const variable = w.read() as tf.Variable;
      params.push({ key: w.originalName, variable });
      if ((node?.kind === 'conv2d' || node?.kind === 'dense') && w.originalName.endsWith('/kernel')) {
        kernels.push(variable);
      }
    }
  }
  return { params, kernels };
}

export class Stepper {
  private readonly params: Param[];
  private readonly kernels: tf.Variable[];

  readonly optimizer: Optimizer;

  constructor(
    private readonly model: tfl.LayersModel,
    graph: Graph,
    makeOptimizer: (params: readonly Param[]) => Optimizer,
    private readonly opts: StepperOptions,
  ) {
    ({ params: this.params, kernels: this.kernels } = trainableParams(model, graph));
    this.optimizer = makeOptimizer(this.params);
  }

  step(b: StepBatch, lr: number): StepOutcome {
    const { inputShape, classes, distill } = this.opts;
    const smoothing = this.opts.labelSmoothing ?? 0;
    let correct: tf.Scalar | undefined;
    // tidy keeps returned tensors only inside arrays: the loss, then one gradient per param.
    const [loss, ...gradList] = tf.tidy(() => {
      const x = tf.tensor(b.x.subarray(0, b.rows * size(inputShape)), [b.rows, ...inputShape]);
      const y = tf.tensor1d(b.y.subarray(0, b.rows), 'int32');
      const weights = b.labelled < b.rows ? labelledMask(b.rows, b.labelled) : undefined;
      const vars = this.params.map((p) => p.variable);
      const { value, grads: byName } = tf.variableGrads(() => {
        const logits = this.model.apply(x, { training: true }) as tf.Tensor2D;
        // Kept past variableGrads' own tidy; disposed below.
        correct = tf.keep(correctCount(logits, y, weights));
        let data: tf.Scalar;
        if (distill && b.teacher) {
          const teacher = tf.tensor2d(b.teacher.subarray(0, b.rows * classes), [b.rows, classes]);
          const labelled = weights ?? tf.ones([b.rows]);
          data = distillationLoss(
            { logits, labels: y, labelled: labelled as tf.Tensor1D, teacher },
            distill.temperature,
            distill.alpha,
            smoothing,
          );
        } else {
          data = softmaxCrossEntropy(logits, y, weights, smoothing);
        }
        return this.opts.l2 > 0 ? tf.add(data, l2Penalty(this.kernels, this.opts.l2)) : data;
      }, vars);
      return [value, ...this.params.map((p) => byName[p.variable.name])];
    });
    const grads = new Map(
      this.params.flatMap((p, i) => (gradList[i] ? [[p.key, gradList[i]] as const] : [])),
    );
    let applied = grads;
    if (this.opts.clipNorm !== undefined) {
      const clipped = clipByGlobalNorm(grads, this.opts.clipNorm);
      clipped.norm.dispose();
      for (const g of grads.values()) g.dispose();
      applied = clipped.grads;
    }
    // The gradients were taken at the undecayed weights: p ← p − lr·λ·p − lr·update(g).
    decayWeights(this.kernels, lr, this.opts.weightDecay ?? 0);
    this.optimizer.apply(applied, lr);
    for (const g of applied.values()) g.dispose();
    const [l, c] = tf.tidy(() => tf.stack([loss, correct!]).dataSync());
    loss.dispose();
    correct!.dispose();
    return { loss: l, correct: c };
  }

  /** Mean cross-entropy and accuracy over a labelled set, in inference mode. */
  evaluate(
    set: { x: Float32Array; y: Int32Array; count: number },
    batchSize = 256,
  ): { loss: number; acc: number } {
    const { inputShape } = this.opts;
    const per = size(inputShape);
    let lossSum = 0;
    let hits = 0;
    for (let i = 0; i < set.count; i += batchSize) {
      const n = Math.min(batchSize, set.count - i);
      const [l, c] = tf.tidy(() => {
        const x = tf.tensor(set.x.subarray(i * per, (i + n) * per), [n, ...inputShape]);
        const y = tf.tensor1d(set.y.subarray(i, i + n), 'int32');
        const logits = this.model.apply(x, { training: false }) as tf.Tensor2D;
        return tf.stack([tf.mul(softmaxCrossEntropy(logits, y), n), correctCount(logits, y)]).dataSync();
      });
      lossSum += l;
      hits += c;
    }
    return set.count === 0 ? { loss: NaN, acc: NaN } : { loss: lossSum / set.count, acc: hits / set.count };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

function labelledMask(rows: number, labelled: number): tf.Tensor1D {
  const m = new Float32Array(rows);
  m.fill(1, 0, labelled);
  return tf.tensor1d(m);
}

const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);
