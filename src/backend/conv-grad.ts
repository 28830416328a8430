/**
 * netgrow's convolution gradients for the wasm backend, each computed by one forward
 * convolution (XNNPACK's fast path) over rearranged tensors:
 *
 * - Conv2DBackpropFilter (missing in tfjs-backend-wasm 4.22, so no convnet could train):
 *     dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co]
 *   is a convolution of xᵀ = [ci, H, W, n] with the "filter" dyᵀ = [oh, ow, n, co],
 *   dilated by the stride; its [ci, KH, KW, co] output transposes to dW.
 * - Conv2DBackpropInput (present but slow):
 *     dx[n,h,w,ci] = Σ dy[n,oh,ow,co] · W[kh,kw,ci,co],  h = oh·s + kh − pt
 *   is a full convolution of dy (zeros inserted between rows/columns for stride s) with the
 *   kernel flipped in space and transposed to [KH, KW, co, ci].
 */
import { tf } from '../model/tf';
import { Backend, conv, cropTo, free, Info, pad, reshape, reverse, transpose } from './wasm-ops';

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

export function conv2dBackpropFilter(
  x: Info,
  dy: Info,
  filterShape: number[],
  attrs: ConvAttrs,
  b: Backend,
): Info {
  const info = convInfo(x.shape, filterShape, attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const [, oh, ow] = dy.shape;
  // Rows of x that the last output row still reads; rows beyond are cropped, missing ones padded.
  const needH = kh + (oh - 1) * sh - padInfo.top;
  const needW = kw + (ow - 1) * sw - padInfo.left;
  const xT = transpose(b, x, [3, 1, 2, 0]); // [ci, H, W, n]
  const rows = cropTo(b, xT, 1, needH);
  const cols = cropTo(b, rows.t, 2, needW);
  const dyT = transpose(b, dy, [1, 2, 0, 3]); // [oh, ow, n, co]
  const padding = {
    top: padInfo.top,
    left: padInfo.left,
    bottom: Math.max(0, needH - x.shape[1]),
    right: Math.max(0, needW - x.shape[2]),
  };
  const out = conv(b, cols.t, dyT, padding, [sh, sw]); // [ci, kh, kw, co]
  const dw = transpose(b, out, [1, 2, 0, 3]);
  free(b, xT, dyT, out);
  if (rows.owned) free(b, rows.t);
  if (cols.owned) free(b, cols.t);
  return dw;
}

export function conv2dBackpropInput(
  dy: Info,
  filter: Info,
  inputShape: number[],
  attrs: ConvAttrs,
  b: Backend,
): Info {
  const info = convInfo(inputShape, filter.shape, attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const [n, oh, ow, co] = dy.shape;
  const [, H, W] = inputShape;
  const temps: Info[] = [];
  let d = dy;
  if (sh > 1 || sw > 1) {
    // Insert stride−1 zeros after every row and column: [n, oh·sh, ow·sw, co].
    const r = reshape(b, dy, [n, oh, 1, ow, 1, co]);
    const p = pad(b, r, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    d = reshape(b, p, [n, oh * sh, ow * sw, co]);
    temps.push(r, p, d);
  }
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  // The padded input must be H + kh − 1 rows long; a dilated dy may be longer than needed.
  const rows = cropTo(b, d, 1, H + kh - 1 - top);
  const cols = cropTo(b, rows.t, 2, W + kw - 1 - left);
  if (rows.owned) temps.push(rows.t);
  if (cols.owned) temps.push(cols.t);
  const flipped = reverse(b, filter, [0, 1]);
  const wT = transpose(b, flipped, [0, 1, 3, 2]); // [kh, kw, co, ci]
  temps.push(flipped, wT);
  const padding = {
    top,
    left,
    bottom: Math.max(0, H + kh - 1 - top - cols.t.shape[1]),
    right: Math.max(0, W + kw - 1 - left - cols.t.shape[2]),
  };
  const dx = conv(b, cols.t, wT, padding);
  free(b, ...temps);
  return dx;
}

/** The obvious baseline: Conv3DBackpropFilterV2 with depth 1 for dW (for benchmarks only). */
export function conv2dBackpropFilterShim(
  x: Info,
  dy: Info,
  filterShape: number[],
  attrs: ConvAttrs,
  b: Backend,
): Info {
  const info = convInfo(x.shape, filterShape, attrs);
  const [n, H, W, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const x5 = reshape(b, x, [n, 1, H, W, ci]);
  const dy5 = reshape(b, dy, [n, 1, oh, ow, co]);
  // Same padding as the 2-D op: pad x explicitly, then a 'valid' 3-D filter gradient.
  const p = info.padInfo;
  const xp = pad(b, x5, [
    [0, 0],
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ]);
  const k = tf.getKernel('Conv3DBackpropFilterV2', 'wasm')!;
  const dw5 = k.kernelFunc({
    inputs: { x: xp, dy: dy5 },
    backend: b,
    attrs: {
      strides: [1, info.strideHeight, info.strideWidth],
      pad: 'valid',
      filterShape: [1, ...filterShape],
    } as unknown as tf.NamedAttrMap,
  }) as Info;
  const dw = reshape(b, dw5, filterShape);
  free(b, x5, dy5, xp, dw5);
  return dw;
}
