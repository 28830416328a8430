/**
 * Add of a per-channel vector to NHWC activations ([…, C] + [C]), for the wasm backend: the
 * bias of a convolution run unfused (netgrow runs layers that read the model's input unfused,
 * src/model/input-layers.ts). The stock kernel broadcasts element by element, 0.7 ms for
 * LeNet's conv1 output; a row loop in netgrow's SIMD module is a fraction of that. Every other
 * Add goes to the stock kernel.
 */
import { tf } from './tf';
import { ptr, simd } from './simd';
import { Backend, Info, makeOutput } from './wasm-ops';

/** The activations and the bias, if the Add is one; null otherwise. */
function biasOperands(a: Info, b: Info): [Info, Info] | null {
  for (const [x, bias] of [
    [a, b],
    [b, a],
  ]) {
    if (x.dtype !== 'float32' || bias.dtype !== 'float32' || x.shape.length < 2) continue;
    const C = x.shape[x.shape.length - 1];
    const size = bias.shape.reduce((p, d) => p * d, 1);
    if (size === C && bias.shape[bias.shape.length - 1] === C && bias.shape.length <= x.shape.length)
      return [x, bias];
  }
  return null;
}

export function addKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const ops = biasOperands(args.inputs.a as Info, args.inputs.b as Info);
    if (!ops) return stock(args);
    const [x, bias] = ops;
    const b = args.backend as Backend;
    const C = x.shape[x.shape.length - 1];
    const out = makeOutput(b, x.shape);
    simd(b).addBias(
      ptr(b, x),
      ptr(b, bias),
      ptr(b, out),
      x.shape.slice(0, -1).reduce((p, d) => p * d, 1),
      C,
    );
    return out;
  };
}
