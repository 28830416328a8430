/**
 * MaxPoolGrad for the wasm backend in plain JS over the wasm heap: the built-in kernel spent
 * as long on LeNet's two pools as netgrow's kernels spend on all its convolution gradients.
 * Each output's gradient goes to the first maximum of its window (TensorFlow's rule).
 */
import { tf } from '../model/tf';
import { Backend, Info } from './wasm-ops';

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): Info;
  typedArrayFromHeap(info: Info): Float32Array;
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
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const out = b.makeOutput([...input.shape], 'float32');
  const dx = b.typedArrayFromHeap(out);
  dx.fill(0);
  const x = b.typedArrayFromHeap(input);
  const g = b.typedArrayFromHeap(dy);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let bi = 0; bi < n; bi++) {
    const xBase = bi * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - top;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - left;
        best.fill(-Infinity);
        where.fill(-1);
        for (let kh = 0; kh < fh; kh++) {
          const h = h0 + kh;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < fw; kw++) {
            const w = w0 + kw;
            if (w < 0 || w >= W) continue;
            const off = xBase + (h * W + w) * C;
            for (let c = 0; c < C; c++) {
              const v = x[off + c];
              if (v > best[c] || where[c] < 0) {
                best[c] = v;
                where[c] = off + c;
              }
            }
          }
        }
        const gOff = ((bi * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) if (where[c] >= 0) dx[where[c]] += g[gOff + c];
      }
    }
  }
  return out;
}
