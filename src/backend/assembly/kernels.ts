/**
 * netgrow's hand-written SIMD kernels (AssemblyScript → wasm, `npm run build:wasm`). They run
 * on the tfjs wasm backend's own memory (imported), so tensors are passed as byte offsets into
 * that heap and nothing is copied. They cover what XNNPACK does badly: layers with few
 * channels (LeNet's 1→6→16), where its GEMM tiles run mostly empty and packing a large
 * "filter" per call costs more than the arithmetic, and the pooling and bias gradients that
 * tfjs-backend-wasm only has as slow generic loops. No allocation, no data segment: the
 * module must never write outside the buffers it is given.
 */

// Layout of every tensor: NHWC, float32, densely packed. `x`, `dy`… are byte offsets.

@inline function f4(p: usize): v128 {
  return v128.load(p);
}

@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Lowest o ≥ 0 with o·s + k − p ≥ 0, and one past the highest with o·s + k − p < size. */
@inline function lowOut(k: i32, p: i32, s: i32): i32 {
  const d = p - k;
  return d <= 0 ? 0 : (d + s - 1) / s;
}
@inline function highOut(k: i32, p: i32, s: i32, size: i32, outSize: i32): i32 {
  const d = size - 1 + p - k;
  if (d < 0) return 0;
  return min(outSize, d / s + 1);
}

/**
 * Conv2DBackpropFilter: acc[kh,kw,ci,cop] = Σ x[b, oh·sh+kh−pt, ow·sw+kw−pl, ci] · dy[b,oh,ow,co]
 * with co padded to cop = ⌈co/4⌉·4 (the padded lanes collect garbage from the next pixel and
 * are dropped by `compact`). Each (kh, kw, ci) sums a whole output row in registers.
 * dy is read up to 12 bytes past its end; the caller checks that this stays inside memory.
 */
export function convFilterGrad(
  x: usize, dy: usize, acc: usize,
  n: i32, H: i32, W: i32, ci: i32, OH: i32, OW: i32, co: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, pt: i32, pl: i32,
): void {
  const cop = (co + 3) & ~3;
  memory.fill(acc, 0, <usize>(KH * KW * ci * cop) << 2);
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const dyRow = at(dy, (b * OH + oh) * OW * co);
      for (let kh = 0; kh < KH; kh++) {
        const h = oh * sh + kh - pt;
        if (h < 0 || h >= H) continue;
        const xRow = at(x, (b * H + h) * W * ci);
        for (let kw = 0; kw < KW; kw++) {
          const lo = lowOut(kw, pl, sw);
          const hi = highOut(kw, pl, sw, W, OW);
          if (lo >= hi) continue;
          for (let c = 0; c < ci; c++) {
            const a = at(acc, ((kh * KW + kw) * ci + c) * cop);
            const xs = at(xRow, (lo * sw + kw - pl) * ci + c);
            const xStep = <usize>(sw * ci) << 2;
            for (let v = 0; v < cop; v += 8) {
              const d0 = at(dyRow, lo * co + v);
              const dStep = <usize>co << 2;
              let s0 = f32x4.splat(0);
              if (v + 4 < cop) {
                let s1 = f32x4.splat(0);
                let xp = xs;
                let dp = d0;
                for (let o = lo; o < hi; o++) {
                  const xv = f32x4.splat(load<f32>(xp));
                  s0 = f32x4.add(s0, f32x4.mul(xv, f4(dp)));
                  s1 = f32x4.add(s1, f32x4.mul(xv, f4(dp + 16)));
                  xp += xStep;
                  dp += dStep;
                }
                v128.store(at(a, v + 4), f32x4.add(f4(at(a, v + 4)), s1));
              } else {
                let xp = xs;
                let dp = d0;
                for (let o = lo; o < hi; o++) {
                  s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(xp)), f4(dp)));
                  xp += xStep;
                  dp += dStep;
                }
              }
              v128.store(at(a, v), f32x4.add(f4(at(a, v)), s0));
            }
          }
        }
      }
    }
  }
}

/** Copies rows of `from` floats (the first `keep` of each) from src to dst. */
export function compact(src: usize, dst: usize, rows: i32, from: i32, keep: i32): void {
  const bytes = <usize>keep << 2;
  for (let r = 0; r < rows; r++) memory.copy(at(dst, r * keep), at(src, r * from), bytes);
}

/**
 * MaxPoolGrad: each output's gradient goes to the first maximum of its window (TensorFlow's
 * rule); overlapping windows add up. Padding cells never win.
 */
export function maxPoolGrad(
  x: usize, dy: usize, dx: usize,
  n: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, top: i32, left: i32,
): void {
  memory.fill(dx, 0, <usize>(n * H * W * C) << 2);
  for (let b = 0; b < n; b++) {
    const base = b * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(0, oh * sh - top);
      const h1 = min(H, oh * sh - top + fh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = max(0, ow * sw - left);
        const w1 = min(W, ow * sw - left + fw);
        const g = ((b * OH + oh) * OW + ow) * C;
        if (h0 >= h1 || w0 >= w1) continue;
        const c4 = C & ~3;
        for (let c = 0; c < c4; c += 4) {
          // Four channels at once: the best value and its index per lane.
          const first = base + (h0 * W + w0) * C + c;
          let bestV = f4(at(x, first));
          let best = i32x4.add(i32x4.splat(first), LANES);
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const i = base + (h * W + w) * C + c;
              const v = f4(at(x, i));
              const m = f32x4.gt(v, bestV);
              bestV = v128.bitselect(v, bestV, m);
              best = v128.bitselect(i32x4.add(i32x4.splat(i), LANES), best, m);
            }
          }
          const gv = f4(at(dy, g + c));
          addAt(dx, i32x4.extract_lane(best, 0), f32x4.extract_lane(gv, 0));
          addAt(dx, i32x4.extract_lane(best, 1), f32x4.extract_lane(gv, 1));
          addAt(dx, i32x4.extract_lane(best, 2), f32x4.extract_lane(gv, 2));
          addAt(dx, i32x4.extract_lane(best, 3), f32x4.extract_lane(gv, 3));
        }
        for (let c = c4; c < C; c++) {
          let best = base + (h0 * W + w0) * C + c;
          let bestV = load<f32>(at(x, best));
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const i = base + (h * W + w) * C + c;
              const v = load<f32>(at(x, i));
              if (v > bestV) {
                bestV = v;
                best = i;
              }
            }
          }
          addAt(dx, best, load<f32>(at(dy, g + c)));
        }
      }
    }
  }
}

const LANES = i32x4(0, 1, 2, 3);

@inline function addAt(base: usize, index: i32, v: f32): void {
  const p = at(base, index);
  store<f32>(p, load<f32>(p) + v);
}

/** Sum over all leading axes of a [rows, C] tensor: the bias gradient of NHWC activations. */
export function sumRows(x: usize, out: usize, rows: i32, C: i32): void {
  memory.fill(out, 0, <usize>C << 2);
  const c4 = C & ~3;
  for (let c = 0; c < c4; c += 4) {
    let s = f32x4.splat(0);
    let p = at(x, c);
    const step = <usize>C << 2;
    for (let r = 0; r < rows; r++) {
      s = f32x4.add(s, f4(p));
      p += step;
    }
    v128.store(at(out, c), s);
  }
  for (let c = c4; c < C; c++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += load<f32>(at(x, r * C + c));
    store<f32>(at(out, c), s);
  }
}

/** Copies rows of `keep` floats into rows of `to` floats, zero-filling the rest of each row. */
export function padRows(src: usize, dst: usize, rows: i32, keep: i32, to: i32): void {
  memory.fill(dst, 0, <usize>(rows * to) << 2);
  const bytes = <usize>keep << 2;
  for (let r = 0; r < rows; r++) memory.copy(at(dst, r * to), at(src, r * keep), bytes);
}

@inline function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

/**
 * Conv2DBackpropInput by gathering, for each input pixel, the output pixels its taps reach:
 *   dx[b,h,w,c] = Σ_{kh,kw: (h+pt−kh)/sh, (w+pl−kw)/sw integral and inside} dy[b,oh,ow,:] · w[kh,kw,c,:]
 * vectorised over the output channels (co padded to cop = ⌈co/4⌉·4 in `w`, the tail of each
 * dy load masked). Unlike the full-convolution formulation no
 * multiply-add lands on padding, and no GEMM lane idles when ci is small.
 * dy is read up to 12 bytes past its end; the caller checks that this stays inside memory.
 */
export function convInputGrad(
  dy: usize, w: usize, dx: usize,
  n: i32, H: i32, W: i32, ci: i32, OH: i32, OW: i32, co: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, pt: i32, pl: i32,
): void {
  const cop = (co + 3) & ~3;
  const tail = co & 3;
  const mask = tail == 0 ? i32x4.splat(-1) : i32x4.lt_s(LANES, i32x4.splat(tail));
  const wTap = <usize>(ci * cop) << 2; // bytes per (kh, kw)
  const wc = <usize>cop << 2; // bytes per input channel
  for (let b = 0; b < n; b++) {
    for (let h = 0; h < H; h++) {
      // The taps of row h that land on an output row: kh ≡ h + pt (mod sh), oh falling by one.
      const kh0 = (h + pt) % sh;
      const oh0 = (h + pt - kh0) / sh;
      for (let x = 0; x < W; x++) {
        const kw0 = (x + pl) % sw;
        const ow0 = (x + pl - kw0) / sw;
        const out = at(dx, ((b * H + h) * W + x) * ci);
        for (let c = 0; c < ci; c += 8) {
          // Up to eight input channels per pass, one accumulator each: every dy load feeds
          // all of them (LeNet's conv2 has six).
          const more = min(8, ci - c);
          let s0 = f32x4.splat(0);
          let s1 = f32x4.splat(0);
          let s2 = f32x4.splat(0);
          let s3 = f32x4.splat(0);
          let s4 = f32x4.splat(0);
          let s5 = f32x4.splat(0);
          let s6 = f32x4.splat(0);
          let s7 = f32x4.splat(0);
          for (let kh = kh0, oh = oh0; kh < KH && oh >= 0; kh += sh, oh--) {
            if (oh >= OH) continue;
            for (let kw = kw0, ow = ow0; kw < KW && ow >= 0; kw += sw, ow--) {
              if (ow >= OW) continue;
              const d0 = at(dy, ((b * OH + oh) * OW + ow) * co);
              const w0 = w + <usize>(kh * KW + kw) * wTap + <usize>c * wc;
              for (let v = 0; v < cop; v += 4) {
                let d = f4(at(d0, v));
                if (v + 4 > co) d = v128.and(d, mask);
                const wp = at(w0, v);
                s0 = f32x4.add(s0, f32x4.mul(d, f4(wp)));
                if (more > 1) s1 = f32x4.add(s1, f32x4.mul(d, f4(wp + wc)));
                if (more > 2) s2 = f32x4.add(s2, f32x4.mul(d, f4(wp + 2 * wc)));
                if (more > 3) s3 = f32x4.add(s3, f32x4.mul(d, f4(wp + 3 * wc)));
                if (more > 4) s4 = f32x4.add(s4, f32x4.mul(d, f4(wp + 4 * wc)));
                if (more > 5) s5 = f32x4.add(s5, f32x4.mul(d, f4(wp + 5 * wc)));
                if (more > 6) s6 = f32x4.add(s6, f32x4.mul(d, f4(wp + 6 * wc)));
                if (more > 7) s7 = f32x4.add(s7, f32x4.mul(d, f4(wp + 7 * wc)));
              }
            }
          }
          const o = at(out, c);
          store<f32>(o, hsum(s0));
          if (more > 1) store<f32>(o + 4, hsum(s1));
          if (more > 2) store<f32>(o + 8, hsum(s2));
          if (more > 3) store<f32>(o + 12, hsum(s3));
          if (more > 4) store<f32>(o + 16, hsum(s4));
          if (more > 5) store<f32>(o + 20, hsum(s5));
          if (more > 6) store<f32>(o + 24, hsum(s6));
          if (more > 7) store<f32>(o + 28, hsum(s7));
        }
      }
    }
  }
}

/** out[r, c] = x[r, c] + b[c]: a bias added over every pixel of NHWC activations. */
export function addBias(x: usize, b: usize, out: usize, rows: i32, C: i32): void {
  const c4 = C & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * C);
    const or = at(out, r * C);
    for (let c = 0; c < c4; c += 4) v128.store(at(or, c), f32x4.add(f4(at(xr, c)), f4(at(b, c))));
    for (let c = c4; c < C; c++) store<f32>(at(or, c), load<f32>(at(xr, c)) + load<f32>(at(b, c)));
  }
}

/** Zero-pads [n, H, W] single-channel images into [n, Hp, Wp] at (top, left). */
export function padImages(
  x: usize, out: usize, n: i32, H: i32, W: i32, Hp: i32, Wp: i32, top: i32, left: i32,
): void {
  memory.fill(out, 0, <usize>(n * Hp * Wp) << 2);
  const cols = min(W, Wp - left);
  const rows = min(H, Hp - top);
  if (cols <= 0) return;
  for (let b = 0; b < n; b++)
    for (let h = 0; h < rows; h++)
      memory.copy(at(out, (b * Hp + h + top) * Wp + left), at(x, (b * H + h) * W), <usize>cols << 2);
}

/** Each float of `w` repeated into a whole vector: the filter taps of convForward1. */
export function splatEach(w: usize, out: usize, count: i32): void {
  for (let i = 0; i < count; i++) v128.store(out + (<usize>i << 4), f32x4.splat(load<f32>(at(w, i))));
}

@inline function storeLanes(p: usize, stride: usize, v: v128, count: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p + stride, f32x4.extract_lane(v, 1));
  if (count > 2) store<f32>(p + 2 * stride, f32x4.extract_lane(v, 2));
  if (count > 3) store<f32>(p + 3 * stride, f32x4.extract_lane(v, 3));
}

/**
 * Forward convolution of one-channel images (a network's first layer on grey-scale data),
 * stride 1, over images already padded to [n, OH+KH−1, OW+KW−1] (+ 3 floats of slack): four
 * neighbouring output pixels per vector, since one channel makes them contiguous in x, and up
 * to eight output channels per pass, with the taps pre-splatted ([KH·KW, co] vectors). XNNPACK
 * runs this shape as a GEMM with K = 25 and 6 of 8 lanes used.
 */
export function convForward1(
  xp: usize, ws: usize, out: usize, n: i32, OH: i32, OW: i32, KH: i32, KW: i32, co: i32,
): void {
  const Wp = OW + KW - 1;
  const Hp = OH + KH - 1;
  const outPx = <usize>co << 2;
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ox = 0; ox < OW; ox += 4) {
        const px = min(4, OW - ox);
        const o = at(out, ((b * OH + oh) * OW + ox) * co);
        for (let c = 0; c < co; c += 8) {
          const more = min(8, co - c);
          let s0 = f32x4.splat(0);
          let s1 = f32x4.splat(0);
          let s2 = f32x4.splat(0);
          let s3 = f32x4.splat(0);
          let s4 = f32x4.splat(0);
          let s5 = f32x4.splat(0);
          let s6 = f32x4.splat(0);
          let s7 = f32x4.splat(0);
          for (let kh = 0; kh < KH; kh++) {
            const row = at(xp, (b * Hp + oh + kh) * Wp + ox);
            for (let kw = 0; kw < KW; kw++) {
              const xv = f4(at(row, kw));
              const wp = ws + (<usize>((kh * KW + kw) * co + c) << 4);
              s0 = f32x4.add(s0, f32x4.mul(xv, f4(wp)));
              if (more > 1) s1 = f32x4.add(s1, f32x4.mul(xv, f4(wp + 16)));
              if (more > 2) s2 = f32x4.add(s2, f32x4.mul(xv, f4(wp + 32)));
              if (more > 3) s3 = f32x4.add(s3, f32x4.mul(xv, f4(wp + 48)));
              if (more > 4) s4 = f32x4.add(s4, f32x4.mul(xv, f4(wp + 64)));
              if (more > 5) s5 = f32x4.add(s5, f32x4.mul(xv, f4(wp + 80)));
              if (more > 6) s6 = f32x4.add(s6, f32x4.mul(xv, f4(wp + 96)));
              if (more > 7) s7 = f32x4.add(s7, f32x4.mul(xv, f4(wp + 112)));
            }
          }
          // Lane p of s_k is channel c + k of pixel ox + p.
          const oc = at(o, c);
          storeLanes(oc, outPx, s0, px);
          if (more > 1) storeLanes(oc + 4, outPx, s1, px);
          if (more > 2) storeLanes(oc + 8, outPx, s2, px);
          if (more > 3) storeLanes(oc + 12, outPx, s3, px);
          if (more > 4) storeLanes(oc + 16, outPx, s4, px);
          if (more > 5) storeLanes(oc + 20, outPx, s5, px);
          if (more > 6) storeLanes(oc + 24, outPx, s6, px);
          if (more > 7) storeLanes(oc + 28, outPx, s7, px);
        }
      }
    }
  }
}

/**
 * AvgPoolGrad: every output's gradient, times 1/(fh·fw), added to each input cell of its
 * window (padding cells drop theirs, as tfjs's cpu and wasm kernels do); four channels per vector.
 */
export function avgPoolGrad(
  dy: usize, dx: usize,
  n: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, top: i32, left: i32,
): void {
  memory.fill(dx, 0, <usize>(n * H * W * C) << 2);
  const k: f32 = 1 / <f32>(fh * fw);
  const kv = f32x4.splat(k);
  const c4 = C & ~3;
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(0, oh * sh - top);
      const h1 = min(H, oh * sh - top + fh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = max(0, ow * sw - left);
        const w1 = min(W, ow * sw - left + fw);
        const g = at(dy, ((b * OH + oh) * OW + ow) * C);
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const p = at(dx, ((b * H + h) * W + w) * C);
            for (let c = 0; c < c4; c += 4)
              v128.store(at(p, c), f32x4.add(f4(at(p, c)), f32x4.mul(f4(at(g, c)), kv)));
            for (let c = c4; c < C; c++) store<f32>(at(p, c), load<f32>(at(p, c)) + load<f32>(at(g, c)) * k);
          }
        }
      }
    }
  }
}
