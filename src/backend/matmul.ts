/**
 * BatchMatMul with transposed operands is the dense-layer backward pass (dW = xᵀ·dy,
 * dx = dy·Wᵀ), and tfjs-backend-wasm runs it several times slower than the plain product.
 * Materialising the transposes (small: a weight matrix or one batch of activations) and
 * calling the built-in kernel untransposed is faster.
 */
import { tf } from './tf';
import { Backend, free, Info, transpose } from './wasm-ops';

export function batchMatMulPlain(builtin: tf.KernelConfig) {
  return ({
    inputs,
    backend,
    attrs,
  }: {
    inputs: tf.NamedTensorInfoMap;
    backend: Backend;
    attrs?: tf.NamedAttrMap;
  }) => {
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    let a = inputs.a as Info;
    let b = inputs.b as Info;
    const temps: Info[] = [];
    if (transposeA) temps.push((a = transpose(backend, a, swapLast(a.shape.length))));
    if (transposeB) temps.push((b = transpose(backend, b, swapLast(b.shape.length))));
    const out = builtin.kernelFunc({
      inputs: { a, b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }) as Info;
    free(backend, ...temps);
    return out;
  };
}

/** The permutation that swaps the last two axes (the kernel sees rank 2 or 3). */
function swapLast(rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  [p[rank - 2], p[rank - 1]] = [p[rank - 1], p[rank - 2]];
  return p;
}
