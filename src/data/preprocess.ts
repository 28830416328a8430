/**
 * Scaling pixels to network inputs, with statistics from the training split only (never from
 * validation, test or transfer images, which are scaled with the same numbers):
 * - `seed`: subtract the mean training image, divide by 128 (the seed's Config._preprocess_input);
 * - `standardize`: per-channel mean and standard deviation;
 * - `none`: scale to [0, 1].
 * Every kind is `x = (pixel - offset) / divisor`, with offset and divisor per pixel position,
 * per channel or global (their length says which), so one function applies them all and a
 * model's inputs can be prepared the same way later.
 */
export type PreprocessKind = 'seed' | 'standardize' | 'none';

export interface Normalization {
  kind: PreprocessKind;
  /** Length h*w*c (per pixel position), c (per channel) or 1. */
  offset: Float32Array;
  /** Length c or 1. */
  divisor: Float32Array;
}

export function fitNormalization(
  kind: PreprocessKind,
  images: Uint8Array,
  rows: Int32Array,
  shape: readonly [number, number, number],
): Normalization {
  const per = shape[0] * shape[1] * shape[2];
  const c = shape[2];
  switch (kind) {
    case 'none':
      return { kind, offset: Float32Array.of(0), divisor: Float32Array.of(255) };
    case 'seed': {
      const sum = new Float64Array(per);
      for (const r of rows) for (let j = 0, at = r * per; j < per; j++) sum[j] += images[at + j];
      const n = Math.max(rows.length, 1);
      return { kind, offset: Float32Array.from(sum, (s) => s / n), divisor: Float32Array.of(128) };
    }
    case 'standardize': {
      // A histogram per channel: one increment per pixel, and sums that are exact integers.
      const hist = new Float64Array(c * 256);
      for (const r of rows) {
        for (let p = r * per, end = p + per; p < end; p += c) {
          for (let k = 0; k < c; k++) hist[k * 256 + images[p + k]]++;
        }
      }
      const sum = new Float64Array(c);
      const sq = new Float64Array(c);
      for (let k = 0; k < c; k++) {
        for (let v = 0; v < 256; v++) {
          sum[k] += v * hist[k * 256 + v];
          sq[k] += v * v * hist[k * 256 + v];
        }
      }
      const n = Math.max(rows.length * (per / c), 1);
      const mean = Float32Array.from(sum, (s) => s / n);
      // A constant channel has no spread to divide by; leave its scale alone.
      const std = Float32Array.from(sq, (s, k) => {
        const sd = Math.sqrt(Math.max(s / n - (sum[k] / n) ** 2, 0));
        return sd > 1e-6 ? sd : 1;
      });
      return { kind, offset: mean, divisor: std };
    }
  }
}

/** The given rows (all when null) of a uint8 image set as normalized float32, one pass. */
export function normalizeRows(
  images: Uint8Array,
  rows: Int32Array | null,
  per: number,
  norm: Normalization,
): Float32Array {
  const count = rows ? rows.length : images.length / per;
  const out = new Float32Array(count * per);
  const chans = Math.max(norm.offset.length, norm.divisor.length);
  if (chans < per) {
    // Per-channel or global scaling: 256 values per channel, looked up (same numbers, ~3x faster).
    const lut = new Float32Array(chans * 256);
    for (let k = 0; k < chans; k++) {
      const off = norm.offset[k % norm.offset.length];
      const div = norm.divisor[k % norm.divisor.length];
      for (let v = 0; v < 256; v++) lut[k * 256 + v] = (v - off) / div;
    }
    for (let i = 0; i < count; i++) {
      const at = (rows ? rows[i] : i) * per;
      for (let p = 0, o = i * per; p < per; p += chans) {
        for (let k = 0; k < chans; k++) out[o + p + k] = lut[k * 256 + images[at + p + k]];
      }
    }
    return out;
  }
  const { offset, divisor } = expand(norm, per);
  for (let i = 0; i < count; i++) {
    const at = (rows ? rows[i] : i) * per;
    for (let j = 0, o = i * per; j < per; j++) out[o + j] = (images[at + j] - offset[j]) / divisor[j];
  }
  return out;
}

/** One image (pixels 0..255, NHWC) as a network input; for inference outside training. */
export function normalizeImage(pixels: ArrayLike<number>, norm: Normalization): Float32Array {
  const { offset, divisor } = expand(norm, pixels.length);
  return Float32Array.from({ length: pixels.length }, (_, j) => (pixels[j] - offset[j]) / divisor[j]);
}

function expand(norm: Normalization, per: number): { offset: Float32Array; divisor: Float32Array } {
  const offset = new Float32Array(per);
  const divisor = new Float32Array(per);
  for (let j = 0; j < per; j++) {
    offset[j] = norm.offset[j % norm.offset.length];
    divisor[j] = norm.divisor[j % norm.divisor.length];
  }
  return { offset, divisor };
}
