/**
 * netgrow's convolution gradients for the wasm backend. Layers with few channels run direct
 * SIMD loops (src/backend/assembly/kernels.ts; see useDirectFilterGrad/useDirectInputGrad);
 * the rest are each computed by one forward convolution (XNNPACK's fast path) over
 * rearranged tensors:
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
import { tf } from './tf';
import {
  Backend,
  conv,
  cropTo,
  depthwiseConv,
  dilate,
  free,
  Info,
  makeOutput,
  pad,
  reshape,
  reverse,
  sum,
  transpose,
} from './wasm-ops';
import { canOverread, convGeometry, ptr, simd } from './simd';

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
  if (useDirectFilterGrad(x.shape[3], dy.shape[3]) && canOverread(b, dy, 16))
    return directFilterGrad(x, dy, filterShape, info, b);
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

/**
 * Few channels: XNNPACK's formulation above packs all of dy as a filter on every call and
 * fills at most 6 or 16 of its GEMM lanes; the direct SIMD loop wins there (LeNet's conv1 2.6
 * → ~1 ms). Wide layers stay on XNNPACK, which runs them at forward-convolution speed.
 */
const useDirectFilterGrad = (ci: number, co: number) => ci * co <= 16;

function directFilterGrad(
  x: Info,
  dy: Info,
  filterShape: number[],
  info: tf.backend_util.Conv2DInfo,
  b: Backend,
): Info {
  const k = simd(b);
  const ci = x.shape[3];
  const co = dy.shape[3];
  const [KH, KW] = filterShape;
  const cop = (co + 3) & ~3;
  const dw = makeOutput(b, [...filterShape]);
  const acc = cop === co ? dw : makeOutput(b, [KH, KW, ci, cop]);
  k.convFilterGrad(ptr(b, x), ptr(b, dy), ptr(b, acc), ...convGeometry(x.shape, dy.shape, info));
  if (acc !== dw) {
    k.compact(ptr(b, acc), ptr(b, dw), KH * KW * ci, cop, co);
    free(b, acc);
  }
  return dw;
}

/**
 * Few channels, more than one input channel: XNNPACK's full convolution spends half its
 * multiply-adds on padding for a 'valid' layer and fills 6 of 8 GEMM lanes for LeNet's conv2
 * (2.9 ms; the direct gather 2.4). One input channel stays on the depthwise path.
 */
const useDirectInputGrad = (ci: number, co: number) => ci >= 2 && ci * co <= 128;

function directInputGrad(
  dy: Info,
  filter: Info,
  inputShape: number[],
  info: tf.backend_util.Conv2DInfo,
  b: Backend,
): Info {
  const k = simd(b);
  const [n, H, W, ci] = inputShape;
  const co = dy.shape[3];
  const [KH, KW] = filter.shape;
  const cop = (co + 3) & ~3;
  let w = filter;
  if (cop !== co) {
    w = makeOutput(b, [KH, KW, ci, cop]);
    k.padRows(ptr(b, filter), ptr(b, w), KH * KW * ci, co, cop);
  }
  const dx = makeOutput(b, [n, H, W, ci]);
  k.convInputGrad(ptr(b, dy), ptr(b, w), ptr(b, dx), ...convGeometry(inputShape, dy.shape, info));
  if (w !== filter) free(b, w);
  return dx;
}

export function conv2dBackpropInput(
  dy: Info,
  filter: Info,
  inputShape: number[],
  attrs: ConvAttrs,
  b: Backend,
): Info {
  const info = convInfo(inputShape, filter.shape, attrs);
  if (useDirectInputGrad(filter.shape[2], filter.shape[3]) && canOverread(b, dy, 16))
    return directInputGrad(dy, filter, inputShape, info, b);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const [, H, W] = inputShape;
  const temps: Info[] = [];
  let d = dy;
  if (sh > 1 || sw > 1) {
    temps.push(...dilate(b, dy, sh, sw));
    d = temps[temps.length - 1];
  }
  // dx is a full correlation: dy (dilated) padded to H + kh − 1 rows, top rows first. A
  // padding larger than the kernel (explicit pads of conv2dTranspose) makes that a crop.
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  const rows = cropTo(b, d, 1, H + kh - 1 - Math.max(0, top), Math.max(0, -top));
  const cols = cropTo(b, rows.t, 2, W + kw - 1 - Math.max(0, left), Math.max(0, -left));
  if (rows.owned) temps.push(rows.t);
  if (cols.owned) temps.push(cols.t);
  const padding = {
    top: Math.max(0, top),
    left: Math.max(0, left),
    bottom: H + kh - 1 - Math.max(0, top) - cols.t.shape[1],
    right: W + kw - 1 - Math.max(0, left) - cols.t.shape[2],
  };
  const flipped = reverse(b, filter, [0, 1]);
  temps.push(flipped);
  const [, , ci, co] = filter.shape;
  let dx: Info;
  if (ci === 1) {
    // One output channel leaves 7 of XNNPACK's 8 GEMM lanes idle; a depthwise convolution
    // over dy's channels and a sum across them does the same multiply-adds about 2x faster.
    const wD = reshape(b, flipped, [kh, kw, co, 1]);
    const perChannel = depthwiseConv(b, cols.t, wD, padding);
    temps.push(wD, perChannel);
    dx = sum(b, perChannel, [3], true);
  } else {
    const wT = transpose(b, flipped, [0, 1, 3, 2]); // [kh, kw, co, ci]
    temps.push(wT);
    dx = conv(b, cols.t, wT, padding);
  }
  free(b, ...temps);
  return dx;
}

/**
 * The obvious baseline: wasm's own Conv3DBackpropFilterV2 with depth 1 (for benchmarks). That
 * kernel is wrong for strides > 1 in tfjs-backend-wasm 4.22, so a strided gradient runs it at
 * stride 1 over dy with zeros inserted, which is what a stride-1 kernel would have to do anyway.
 */
export function conv2dBackpropFilterShim(
  x: Info,
  dy: Info,
  filterShape: number[],
  attrs: ConvAttrs,
  b: Backend,
): Info {
  const info = convInfo(x.shape, filterShape, attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo: p } = info;
  const [n, H, W, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const temps: Info[] = [];
  let d = dy;
  if (sh > 1 || sw > 1) {
    temps.push(...dilate(b, dy, sh, sw));
    const rows = cropTo(b, temps[temps.length - 1], 1, (oh - 1) * sh + 1);
    const cols = cropTo(b, rows.t, 2, (ow - 1) * sw + 1);
    if (rows.owned) temps.push(rows.t);
    if (cols.owned) temps.push(cols.t);
    d = cols.t;
  }
  // Pad x as the 2-D op does, keep the rows and columns the last output still reads, and take
  // a 'valid' stride-1 3-D filter gradient.
  const needH = (oh - 1) * sh + kh;
  const needW = (ow - 1) * sw + kw;
  const xp = pad(b, x, [
    [0, 0],
    [p.top, Math.max(0, needH - H - p.top)],
    [p.left, Math.max(0, needW - W - p.left)],
    [0, 0],
  ]);
  temps.push(xp);
  const rows = cropTo(b, xp, 1, needH);
  const cols = cropTo(b, rows.t, 2, needW);
  if (rows.owned) temps.push(rows.t);
  if (cols.owned) temps.push(cols.t);
  const x5 = reshape(b, cols.t, [n, 1, needH, needW, ci]);
  const dy5 = reshape(b, d, [n, 1, d.shape[1], d.shape[2], co]);
  temps.push(x5, dy5);
  const k = tf.getKernel('Conv3DBackpropFilterV2', 'wasm')!;
  const dw5 = k.kernelFunc({
    inputs: { x: x5, dy: dy5 },
    backend: b,
    attrs: {
      strides: [1, 1, 1],
      pad: 'valid',
      filterShape: [1, ...filterShape],
    } as unknown as tf.NamedAttrMap,
  }) as Info;
  const dw = reshape(b, dw5, filterShape);
  free(b, ...temps, dw5);
  return dw;
}
