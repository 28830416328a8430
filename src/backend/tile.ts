/**
 * Tile for the wasm backend by block copies. tfjs's batch-norm gradient tiles the per-channel
 * 1/σ over every pixel (`tile([1,1,1,C] → [N,H,W,C])`), and tf.broadcastTo is a Tile too;
 * the stock kernel computes a coordinate per element (about 60 ns each), which made Tile a
 * third of a resnet-s training step. Repeating whole contiguous blocks, axis by axis from the
 * innermost, runs at memcpy speed.
 */
import { Backend, Info, makeOutput } from './wasm-ops';

type Numeric = Float32Array | Int32Array | Uint8Array;

interface WasmBackend {
  typedArrayFromHeap(info: Info): Numeric;
}

export function tile(x: Info, reps: number[], backend: Backend): Info {
  const b = backend as unknown as WasmBackend;
  const shape = x.shape.map((d, i) => d * reps[i]);
  const out = makeOutput(backend, shape, x.dtype);
  // Views of the wasm heap are taken after the last allocation on it (growth detaches them).
  const dst = b.typedArrayFromHeap(out);
  let cur: Numeric = b.typedArrayFromHeap(x);
  const axes = reps.map((r, i) => i).filter((i) => reps[i] > 1);
  if (dst.length === 0) return out;
  if (axes.length === 0) {
    dst.set(cur);
    return out;
  }
  const dims = [...x.shape];
  for (let k = axes.length - 1; k >= 0; k--) {
    const axis = axes[k];
    const r = reps[axis];
    const block = dims.slice(axis).reduce((a, d) => a * d, 1);
    const outer = cur.length / block;
    // The outermost tiled axis writes straight into the output.
    const next: Numeric = k === 0 ? dst : new (cur.constructor as new (n: number) => Numeric)(cur.length * r);
    for (let o = 0; o < outer; o++) {
      const src = cur.subarray(o * block, (o + 1) * block);
      for (let j = 0; j < r; j++) next.set(src, (o * r + j) * block);
    }
    dims[axis] *= r;
    cur = next;
  }
  return out;
}
