/**
 * MaxPoolGrad and AvgPoolGrad for the wasm backend, direct loops in netgrow's SIMD module
 * (src/backend/assembly/kernels.ts): the built-in MaxPoolGrad spent as long on LeNet's two
 * pools as netgrow's kernels spend on all its convolution gradients, and the built-in
 * AvgPoolGrad took 18 ms on vgg8's first pool. Max pooling's gradient goes to the first
 * maximum of each window (TensorFlow's rule); average pooling's is spread over the window's
 * cells inside the image, times 1/(window size), as tfjs's cpu kernel does.
 */
import { tf } from './tf';
import { ptr, simd } from './simd';
import { Backend, Info, makeOutput } from './wasm-ops';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** [n, H, W, C, OH, OW, fh, fw, sh, sw, top, left], the order both kernels take. */
function poolGeometry(inputShape: number[], attrs: PoolAttrs) {
  const info = tf.backend_util.computePool2DInfo(
    inputShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [n, H, W, C] = inputShape;
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  return [
    n,
    H,
    W,
    C,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    padInfo.top,
    padInfo.left,
  ] as const;
}

export function maxPoolGrad(dy: Info, input: Info, attrs: PoolAttrs, b: Backend): Info {
  const out = makeOutput(b, input.shape);
  simd(b).maxPoolGrad(ptr(b, input), ptr(b, dy), ptr(b, out), ...poolGeometry(input.shape, attrs));
  return out;
}

export function avgPoolGrad(dy: Info, input: Info, attrs: PoolAttrs, b: Backend): Info {
  const out = makeOutput(b, input.shape);
  simd(b).avgPoolGrad(ptr(b, dy), ptr(b, out), ...poolGeometry(input.shape, attrs));
  return out;
}
