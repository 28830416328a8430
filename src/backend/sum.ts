/**
 * Sum over every axis but the last, for the wasm backend: the bias gradient of a convolution
 * or dense layer (the tape un-broadcasts dy over N, H, W). The stock kernel transposes the
 * channels to the front first and then reduces, about 0.5 ms of a 20 ms LeNet step for
 * conv1's [64, 28, 28, 6]; one pass over the rows in netgrow's SIMD module is a fifth of that.
 * Every other reduction goes to the stock kernel.
 */
import { tf } from './tf';
import { ptr, simd } from './simd';
import { Backend, Info, makeOutput } from './wasm-ops';

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** The reduced axes, if they are exactly the leading ones of a float32 tensor of rank ≥ 2. */
function leadingAxes(x: Info, attrs: SumAttrs): boolean {
  const r = x.shape.length;
  if (x.dtype !== 'float32' || r < 2) return false;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  return axes.length === r - 1 && axes.every((a, i) => a === i);
}

export function sumKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as Info;
    const attrs = args.attrs as unknown as SumAttrs;
    if (!leadingAxes(x, attrs)) return stock(args);
    const b = args.backend as Backend;
    const C = x.shape[x.shape.length - 1];
    const rows = x.shape.slice(0, -1).reduce((a, d) => a * d, 1);
    const shape = attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), C] : [C];
    const out = makeOutput(b, shape);
    simd(b).sumRows(ptr(b, x), ptr(b, out), rows, C);
    return out;
  };
}
