/**
 * Training-time augmentation (the usual CIFAR recipe): a random crop of the image padded by
 * `crop` zero pixels on every side — the same as shifting it by up to `crop` pixels and filling
 * with zeros — then, where labels allow, a horizontal flip. Zeros are normalized zeros: the
 * training mean under `standardize`, as in most CIFAR pipelines.
 */
export interface Augmentation {
  /** Flip half of the images left-right (off for digits). */
  flip: boolean;
  /** Padding of the random crop, in pixels (0 = no shift). */
  crop: number;
}

/** Default augmentation for a dataset: 4-pixel crops, flips where they keep the label. */
export const augmentationFor = (ds: { flip: boolean }): Augmentation => ({ flip: ds.flip, crop: 4 });

/**
 * Writes `src` (one h×w×c image) shifted by (dy, dx) — output pixel (y, x) reads source pixel
 * (y + dy, x' + dx) with x' = x or its mirror — into `out`, zero outside the source.
 */
export function shiftFlip(
  src: Float32Array,
  out: Float32Array,
  [h, w, c]: readonly [number, number, number],
  dy: number,
  dx: number,
  flip: boolean,
): void {
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    const row = y * w * c;
    if (sy < 0 || sy >= h) {
      out.fill(0, row, row + w * c);
      continue;
    }
    for (let x = 0; x < w; x++) {
      const sx = (flip ? w - 1 - x : x) + dx;
      const o = row + x * c;
      if (sx < 0 || sx >= w) {
        for (let k = 0; k < c; k++) out[o + k] = 0;
      } else {
        const s = (sy * w + sx) * c;
        for (let k = 0; k < c; k++) out[o + k] = src[s + k];
      }
    }
  }
}
