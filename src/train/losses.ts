/**
 * Losses on logits. Working on logits (the model is built with `logits: true`) and going
 * through logSoftmax keeps cross-entropy finite where softmax would round to 0 or 1.
 */
import { tf } from '../backend/tf';

/**
 * Mean softmax cross-entropy of integer labels; rows where `weights` is 0 do not count. With
 * `smoothing` ε the target is (1−ε)·one-hot + ε/classes (label smoothing, Szegedy et al. 2016).
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  weights?: tf.Tensor1D,
  smoothing = 0,
): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[1];
    const oneHot = tf.oneHot(labels, classes);
    const target = smoothing > 0 ? tf.add(tf.mul(oneHot, 1 - smoothing), smoothing / classes) : oneHot;
    const perRow = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
    return weightedMean(perRow, weights);
  });
}

/**
 * KL(softmax(teacher/T) ‖ softmax(student/T)) per row, scaled by T² so that its gradients keep
 * the magnitude of the hard-label term as T changes (Hinton, Vinyals & Dean 2015, §2).
 */
export function distillationKl(student: tf.Tensor2D, teacher: tf.Tensor2D, temperature: number): tf.Tensor1D {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(tf.div(teacher, temperature));
    const logQ = tf.logSoftmax(tf.div(student, temperature));
    const kl = tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 1);
    return tf.mul(kl, temperature * temperature) as tf.Tensor1D;
  });
}

export interface DistillBatch {
  logits: tf.Tensor2D;
  /** Class labels; a row with `labelled` 0 (transfer data) ignores its label. */
  labels: tf.Tensor1D;
  labelled: tf.Tensor1D;
  teacher: tf.Tensor2D;
}

/**
 * α·CE(hard labels) + (1−α)·T²·KL(teacher ‖ student): CE averages over labelled rows only,
 * the soft term over every row, so transfer images teach through the teacher alone. `smoothing`
 * smooths the hard labels (softmaxCrossEntropy).
 */
export function distillationLoss(
  b: DistillBatch,
  temperature: number,
  alpha: number,
  smoothing = 0,
): tf.Scalar {
  return tf.tidy(() => {
    const hard = softmaxCrossEntropy(b.logits, b.labels, b.labelled, smoothing);
    const soft = tf.mean(distillationKl(b.logits, b.teacher, temperature));
    return tf.add(tf.mul(hard, alpha), tf.mul(soft, 1 - alpha)) as tf.Scalar;
  });
}

/** Number of rows whose argmax equals the label (among rows with weight 1 when given). */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D, weights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const hit = tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32');
    return tf.sum(weights ? tf.mul(hit, weights) : hit);
  });
}

/** L2 kernel regularisation as Keras defines it: factor · Σ w². */
export function l2Penalty(kernels: readonly tf.Tensor[], factor: number): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const k of kernels) total = tf.add(total, tf.sum(tf.square(k)));
    return tf.mul(total, factor);
  });
}

function weightedMean(perRow: tf.Tensor1D, weights?: tf.Tensor1D): tf.Scalar {
  if (!weights) return tf.mean(perRow);
  // max(Σw, 1) keeps a batch of transfer images only (Σw = 0) at a zero hard-label loss.
  return tf.div(tf.sum(tf.mul(perRow, weights)), tf.maximum(tf.sum(weights), 1));
}
