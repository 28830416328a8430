/**
 * Conv2D for one-channel inputs (a network's first layer on grey-scale images, run unfused by
 * src/model/input-layers.ts), stride 1: netgrow's convForward1 computes four neighbouring
 * output pixels per vector. XNNPACK runs this shape as a GEMM with K = KH·KW and at most 8
 * output lanes, LeNet's conv1 at about 1.5 ms. Every other Conv2D goes to the stock kernel.
 */
import { tf } from './tf';
import { ptr, simd } from './simd';
import { Backend, free, Info, makeOutput } from './wasm-ops';

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const ones = (v: number | [number, number]) => (Array.isArray(v) ? v : [v, v]).every((d) => d === 1);

export function conv2dKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as Info;
    const filter = args.inputs.filter as Info;
    const a = args.attrs as unknown as Conv2DAttrs;
    const [KH, KW, ci, co] = filter.shape;
    if (
      ci !== 1 ||
      co > 64 ||
      x.dtype !== 'float32' ||
      a.dataFormat === 'NCHW' ||
      !ones(a.strides) ||
      !ones(a.dilations)
    )
      return stock(args);
    const b = args.backend as Backend;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      1,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    const [n, H, W] = x.shape;
    const { outHeight: OH, outWidth: OW, padInfo } = info;
    const Hp = OH + KH - 1;
    const Wp = OW + KW - 1;
    const k = simd(b);
    // Three floats of slack: the last vector of a row may read past the padded image.
    const xp = makeOutput(b, [n * Hp * Wp + 4]);
    k.padImages(ptr(b, x), ptr(b, xp), n, H, W, Hp, Wp, padInfo.top, padInfo.left);
    const taps = makeOutput(b, [KH * KW * co * 4]);
    k.splatEach(ptr(b, filter), ptr(b, taps), KH * KW * co);
    const out = makeOutput(b, [n, OH, OW, co]);
    k.convForward1(ptr(b, xp), ptr(b, taps), ptr(b, out), n, OH, OW, KH, KW, co);
    free(b, xp, taps);
    return out;
  };
}
