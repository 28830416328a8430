/**
 * Decoupled weight decay (Loshchilov & Hutter 2019), in PyTorch's SGD/AdamW form: before the
 * optimizer's update, each decayed weight is shrunk by lr·λ of itself, so p ← p − lr·λ·p −
 * lr·update(g). Unlike an L2 term in the loss it never enters the gradient, momentum or Adam's
 * moments, and it follows the learning-rate schedule. Only conv/dense kernels decay (as `l2`):
 * biases, batch-norm scales and PReLU slopes keep their values.
 */
import { tf } from '../backend/tf';

export function decayWeights(weights: readonly tf.Variable[], lr: number, weightDecay: number): void {
  if (weightDecay <= 0 || lr <= 0) return;
  const keep = 1 - lr * weightDecay;
  tf.tidy(() => {
    for (const w of weights) w.assign(tf.mul(w, keep));
  });
}
