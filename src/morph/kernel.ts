/**
 * `kernel <conv> <k>`: a larger kernel (3x3 → 5x5) with the old taps centred and zeros
 * around them (the seed README's "net2wider on the kernel size dimension"). Exact when the
 * padding grows by exactly half the size difference on each side, which `same` padding does
 * at stride 1 and — checked here — at most larger strides.
 */
import { Graph, inferShapes, Rng, weightKey } from '../graph';
import { CommandOf } from './command';
import { MorphError } from './errors';
import { nameOf, reparse, resolveLayer, withWeights } from './graph-edit';
import { withSlots } from './slots';
import { padKernel } from './tensor';
import { MorphPlan } from './types';

/** TensorFlow's `same` padding before the first row: floor(total / 2). */
function padBefore(size: number, out: number, k: number, stride: number): number {
  return Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2);
}

export function planKernel(g: Graph, c: CommandOf<'kernel'>, _rng: Rng): MorphPlan {
  const n = resolveLayer(g, c.node);
  const name = nameOf(g, n.id);
  if (n.kind !== 'conv2d') {
    throw new MorphError('wrong_kind', `${name} is a ${n.kind}; kernel applies to conv2d layers`, n.id);
  }
  if (c.size <= n.kernel) {
    throw new MorphError(
      'kernel_not_larger',
      `${name} has a ${n.kernel}x${n.kernel} kernel; the new size must be larger, received ${c.size}`,
      n.id,
    );
  }
  if ((c.size - n.kernel) % 2 !== 0) {
    throw new MorphError(
      'kernel_parity',
      `${name}: a ${n.kernel}x${n.kernel} kernel can only grow by an even amount (to ${n.kernel + 2}, ${n.kernel + 4}, ...) so the old taps stay centred, received ${c.size}`,
      n.id,
    );
  }
  if (n.padding !== 'same') {
    throw new MorphError(
      'padding',
      `${name} has padding 'valid'; a larger kernel would shrink its output, so kernel needs padding 'same'`,
      n.id,
    );
  }
  const shapes = inferShapes(g);
  const x = shapes.get(n.inputs[0])!;
  const y = shapes.get(n.id)!;
  const grow = (c.size - n.kernel) / 2;
  for (const axis of [0, 1]) {
    const before = padBefore(x[axis], y[axis], n.kernel, n.stride);
    const after = padBefore(x[axis], y[axis], c.size, n.stride);
    if (after - before !== grow) {
      throw new MorphError(
        'stride_misaligned',
        `${name}: with stride ${n.stride} on a ${x[0]}x${x[1]} input, 'same' padding would not centre a ${c.size}x${c.size} kernel on the old ${n.kernel}x${n.kernel} taps`,
        n.id,
      );
    }
  }
  const graph = reparse(
    g,
    g.nodes.map((m) => (m.id === n.id ? { ...m, kernel: c.size } : m)),
    g.output,
    `a ${c.size}x${c.size} kernel for ${name}`,
  );
  const key = weightKey(n.id, 'kernel');
  return {
    graph,
    preserving: true,
    description: `${name}: kernel ${n.kernel}x${n.kernel} → ${c.size}x${c.size}, zero-padded`,
    added: [],
    changed: [n.id],
    weights: (w) => withWeights(w, [[key, padKernel(w.get(key)!, c.size)]]),
    // The new taps' slots are zero, as their weights are.
    slots: (s) => (s.has(key) ? withSlots(s, [[key, padKernel(s.get(key)!, c.size)]]) : s),
  };
}
