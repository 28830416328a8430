/**
 * The weight maths every morphism shares, as pure functions on row-major Float32Arrays:
 * identity kernels, gathers along an axis (widening a layer's outputs) and the Net2Net
 * fan-in split (a consumer's rows divided among the replicas of a channel). Inputs are never
 * written; every function returns a fresh tensor.
 */
import { Rng, size, WeightTensor } from '../graph';

export function tensorOf(shape: number[], fill = 0): WeightTensor {
  const data = new Float32Array(size(shape));
  if (fill !== 0) data.fill(fill);
  return { shape: [...shape], data };
}

/** A k×k conv kernel [k, k, c, c] that copies its input: one centred tap per channel. */
export function identityConvKernel(k: number, c: number): WeightTensor {
  const t = tensorOf([k, k, c, c]);
  const centre = (k - 1) / 2;
  const base = (centre * k + centre) * c * c;
  for (let i = 0; i < c; i++) t.data[base + i * c + i] = 1;
  return t;
}

export function identityDenseKernel(d: number): WeightTensor {
  const t = tensorOf([d, d]);
  for (let i = 0; i < d; i++) t.data[i * d + i] = 1;
  return t;
}

/** Marks a channel that has no parent channel (random-pad, new inception towers). */
export const FRESH = -1;

interface AxisView {
  outer: number;
  n: number;
  inner: number;
}

function axisView(shape: readonly number[], axis: number): AxisView {
  return {
    outer: size(shape.slice(0, axis)),
    n: shape[axis],
    inner: size(shape.slice(axis + 1)),
  };
}

/**
 * `out[..., j, ...] = t[..., index[j], ...]` along `axis`; an index of FRESH draws `fresh()`.
 * This is how a widened layer's kernel and bias replicate their output channels.
 */
export function gatherAxis(
  t: WeightTensor,
  axis: number,
  index: Int32Array,
  fresh: () => number = () => 0,
): WeightTensor {
  const { outer, n, inner } = axisView(t.shape, axis);
  const shape = [...t.shape];
  shape[axis] = index.length;
  const out = new Float32Array(outer * index.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < index.length; j++) {
      const dst = (o * index.length + j) * inner;
      const src = index[j];
      if (src === FRESH) {
        for (let i = 0; i < inner; i++) out[dst + i] = fresh();
      } else if (inner === 1) {
        // The common case (the output axis of a kernel is the last): no subarray per element.
        out[dst] = t.data[o * n + src];
      } else {
        out.set(t.data.subarray((o * n + src) * inner, (o * n + src + 1) * inner), dst);
      }
    }
  }
  return { shape, data: out };
}

/** How many new channels copy each old one (Net2Net's replication counts). */
export function replicaCounts(map: Int32Array, oldWidth: number): Int32Array {
  const counts = new Int32Array(oldWidth);
  for (const m of map) if (m !== FRESH) counts[m]++;
  return counts;
}

export interface FanInOptions {
  /** Symmetry-breaking noise, relative to the std of the replicated rows; 0 for none. */
  noise: number;
  rng: Rng;
  /** The value of a row read from a FRESH channel. */
  fresh: () => number;
}

/**
 * A consumer's kernel after its input channels were replicated by `map` (new → old index):
 * every replica's row is the old row divided by the replica count, so the sum over replicas —
 * which all carry the same activation — is unchanged (Net2WiderNet, Chen et al. 2016, eq. 6).
 *
 * Noise departs from the seed on purpose: the seed added independent noise to the new rows,
 * which changes the function; here the noise added to the rows of one channel's replicas sums
 * to zero, so it still breaks the replicas' symmetry but the function is preserved exactly.
 */
export function splitFanIn(t: WeightTensor, axis: number, map: Int32Array, opts: FanInOptions): WeightTensor {
  const { outer, n, inner } = axisView(t.shape, axis);
  const counts = replicaCounts(map, n);
  const width = map.length;
  const shape = [...t.shape];
  shape[axis] = width;
  const out = new Float32Array(outer * width * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < width; j++) {
      const src = map[j];
      const dst = (o * width + j) * inner;
      if (src === FRESH) {
        for (let i = 0; i < inner; i++) out[dst + i] = opts.fresh();
        continue;
      }
      const s = (o * n + src) * inner;
      const c = counts[src];
      for (let i = 0; i < inner; i++) out[dst + i] = t.data[s + i] / c;
    }
  }
  if (opts.noise > 0) addZeroSumNoise(out, outer, width, inner, map, counts, opts);
  return { shape, data: out };
}

function addZeroSumNoise(
  out: Float32Array,
  outer: number,
  width: number,
  inner: number,
  map: Int32Array,
  counts: Int32Array,
  opts: FanInOptions,
): void {
  const groups = new Map<number, number[]>();
  map.forEach((m, j) => {
    if (m !== FRESH && counts[m] > 1) groups.set(m, [...(groups.get(m) ?? []), j]);
  });
  if (groups.size === 0) return;
  // The seed's scale: a fraction of the std of the replicated (already divided) rows.
  let sum = 0;
  let sq = 0;
  let count = 0;
  for (const js of groups.values()) {
    for (const j of js) {
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const v = out[(o * width + j) * inner + i];
          sum += v;
          sq += v * v;
          count++;
        }
      }
    }
  }
  const mean = sum / count;
  const sigma = opts.noise * Math.sqrt(Math.max(0, sq / count - mean * mean));
  if (sigma === 0) return;
  // Row by row (contiguous memory): draw every replica's noise, then remove the group mean.
  // Uniform noise with the same std as the seed's normal: only its scale matters for breaking
  // symmetry, and it is several times cheaper to draw.
  const half = Math.sqrt(3) * sigma;
  const groupMean = new Float64Array(inner);
  let buf = new Float64Array(0);
  for (const js of groups.values()) {
    if (buf.length < js.length * inner) buf = new Float64Array(js.length * inner);
    for (let o = 0; o < outer; o++) {
      groupMean.fill(0);
      for (let r = 0; r < js.length; r++) {
        for (let i = 0; i < inner; i++) {
          const e = (2 * opts.rng.next() - 1) * half;
          buf[r * inner + i] = e;
          groupMean[i] += e / js.length;
        }
      }
      for (let r = 0; r < js.length; r++) {
        const row = (o * width + js[r]) * inner;
        for (let i = 0; i < inner; i++) out[row + i] += buf[r * inner + i] - groupMean[i];
      }
    }
  }
}

/**
 * random-pad (the Net2Net paper's baseline): along `axis`, every index whose `map` entry
 * already appeared at a lower index — a new copy of an old channel — gets `draw()` values
 * instead of copied ones. Map operations keep order, so the first occurrence is the original.
 */
export function randomizeCopies(
  t: WeightTensor,
  axis: number,
  map: Int32Array,
  draw: () => number,
): WeightTensor {
  const { outer, n, inner } = axisView(t.shape, axis);
  const seen = new Set<number>();
  const copies: number[] = [];
  map.forEach((m, j) => {
    if (m === FRESH) return;
    if (seen.has(m)) copies.push(j);
    seen.add(m);
  });
  const data = t.data.slice();
  for (let o = 0; o < outer; o++) {
    for (const j of copies) {
      const base = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) data[base + i] = draw();
    }
  }
  return { shape: [...t.shape], data };
}

/** A conv kernel [k, k, in, out] zero-padded to [k2, k2, in, out], the old taps centred. */
export function padKernel(t: WeightTensor, k2: number): WeightTensor {
  const [k, , cin, cout] = t.shape;
  const off = (k2 - k) / 2;
  const out = tensorOf([k2, k2, cin, cout]);
  const plane = cin * cout;
  for (let y = 0; y < k; y++) {
    for (let x = 0; x < k; x++) {
      out.data.set(
        t.data.subarray((y * k + x) * plane, (y * k + x + 1) * plane),
        ((y + off) * k2 + x + off) * plane,
      );
    }
  }
  return out;
}

/** Standard deviation of a tensor's values (the scale of random-pad's fresh weights). */
export function stdOf(data: Float32Array): number {
  if (data.length === 0) return 0;
  let sum = 0;
  let sq = 0;
  for (const v of data) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / data.length;
  return Math.sqrt(Math.max(0, sq / data.length - mean * mean));
}

/** Glorot-uniform kernel, the same law `initWeights` uses, for layers a morphism adds. */
export function glorotKernel(shape: number[], rng: Rng): WeightTensor {
  const receptive = shape.length === 4 ? shape[0] * shape[1] : 1;
  const fanIn = receptive * shape[shape.length - 2];
  const fanOut = receptive * shape[shape.length - 1];
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const t = tensorOf(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = rng.uniform(-limit, limit);
  return t;
}
