/**
 * Calls of the wasm backend's own kernels from inside netgrow's kernels. They work on
 * TensorInfos (no tape, no engine bookkeeping); every intermediate is freed with `free`.
 */
import { tf } from './tf';

export type Info = tf.TensorInfo;
export type Backend = tf.KernelBackend;

export function call(name: string, backend: Backend, inputs: Record<string, Info>, attrs: object = {}): Info {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`the wasm backend has no ${name} kernel`);
  return k.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as Info;
}

/** A new, uninitialised tensor on the wasm heap, for a kernel to fill. */
export function makeOutput(backend: Backend, shape: number[], dtype: tf.DataType = 'float32'): Info {
  return (backend as unknown as { makeOutput(shape: number[], dtype: tf.DataType): Info }).makeOutput(
    [...shape],
    dtype,
  );
}

export function free(backend: Backend, ...infos: Info[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

export const transpose = (b: Backend, x: Info, perm: number[]): Info => call('Transpose', b, { x }, { perm });
export const reshape = (b: Backend, x: Info, shape: number[]): Info => call('Reshape', b, { x }, { shape });
export const slice = (b: Backend, x: Info, begin: number[], size: number[]): Info =>
  call('Slice', b, { x }, { begin, size });
export const pad = (b: Backend, x: Info, paddings: Array<[number, number]>): Info =>
  call('PadV2', b, { x }, { paddings, constantValue: 0 });
export const reverse = (b: Backend, x: Info, dims: number[]): Info => call('Reverse', b, { x }, { dims });

/** Inserts stride − 1 zeros after every row and column: [n, h·sh, w·sw, c]; the caller frees. */
export function dilate(b: Backend, x: Info, sh: number, sw: number): Info[] {
  const [n, h, w, c] = x.shape;
  const r = reshape(b, x, [n, h, 1, w, 1, c]);
  const p = pad(b, r, [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const d = reshape(b, p, [n, h * sh, w * sw, c]);
  return [r, p, d];
}

type Padding = { top: number; bottom: number; left: number; right: number };

const explicit = (p: Padding) => [
  [0, 0],
  [p.top, p.bottom],
  [p.left, p.right],
  [0, 0],
];

/** A stride-1 NHWC convolution with explicit (non-negative) padding and optional dilation. */
export function conv(
  b: Backend,
  x: Info,
  filter: Info,
  padding: Padding,
  dilation: [number, number] = [1, 1],
): Info {
  return call(
    'Conv2D',
    b,
    { x, filter },
    {
      strides: [1, 1],
      pad: explicit(padding),
      dataFormat: 'NHWC',
      dilations: dilation,
      dimRoundingMode: undefined,
    },
  );
}

/** A stride-1 depthwise convolution with explicit (non-negative) padding. */
export function depthwiseConv(b: Backend, x: Info, filter: Info, padding: Padding): Info {
  return call(
    'DepthwiseConv2dNative',
    b,
    { x, filter },
    {
      strides: [1, 1],
      pad: explicit(padding),
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    },
  );
}

export const sum = (b: Backend, x: Info, axis: number[], keepDims: boolean): Info =>
  call('Sum', b, { x }, { axis, keepDims });

/**
 * Keeps indices [start, start + keep) of axis `axis` (clipped to the axis), so a negative
 * "padding" becomes a crop; returns the input itself (owned = false) when nothing is cut.
 */
export function cropTo(
  b: Backend,
  x: Info,
  axis: number,
  keep: number,
  start = 0,
): { t: Info; owned: boolean } {
  const end = Math.min(x.shape[axis], start + keep);
  if (start === 0 && end === x.shape[axis]) return { t: x, owned: false };
  const begin = x.shape.map((_, i) => (i === axis ? start : 0));
  const size = x.shape.map((d, i) => (i === axis ? end - start : d));
  return { t: slice(b, x, begin, size), owned: true };
}
