/**
 * MaxPoolGrad for the wasm backend, a direct loop in netgrow's SIMD module (src/backend/assembly/kernels.ts):
 * the built-in kernel spent as long on LeNet's two pools as netgrow's kernels spend on all its
 * convolution gradients. Each output's gradient goes to the first maximum of its window
 * (TensorFlow's rule).
 */
import { tf } from '../model/tf';
import { ptr, simd } from './simd';
import { Backend, Info } from './wasm-ops';

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): Info;
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function maxPoolGrad(dy: Info, input: Info, attrs: PoolAttrs, backend: Backend): Info {
  const b = backend as unknown as WasmBackend;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [n, H, W, C] = input.shape;
  const {
    outHeight: OH,
    outWidth: OW,
    strideHeight: sh,
    strideWidth: sw,
    filterHeight: fh,
    filterWidth: fw,
  } = info;
  const out = b.makeOutput([...input.shape], 'float32');
  simd(backend).maxPoolGrad(
    ptr(backend, input),
    ptr(backend, dy),
    ptr(backend, out),
    n,
    H,
    W,
    C,
    OH,
    OW,
    fh,
    fw,
    sh,
    sw,
    info.padInfo.top,
    info.padInfo.left,
  );
  return out;
}
