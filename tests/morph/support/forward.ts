/**
 * A reference forward pass in float64, pure TypeScript: the oracle of the morph property
 * tests. Inference semantics as in tfjs-layers / Keras: batch norm on moving statistics,
 * dropout off, TensorFlow's `same` padding (extra padding after), average pools that ignore
 * padded positions. Small and slow on purpose; the tfjs builder is checked against it.
 */
import { Graph, inferShapes, Shape, Weights } from '../../../src/graph';

type Tensor = Float64Array;

const prod = (s: Shape) => s.reduce((a, b) => a * b, 1);

function padInfo(
  size: number,
  k: number,
  stride: number,
  padding: 'same' | 'valid',
): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.floor((size - k) / stride) + 1, before: 0 };
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2) };
}

/** Runs one sample (flat, channels last) through the graph; returns the output node's values. */
export function forwardOne(g: Graph, w: Weights, x: Float64Array): Float64Array {
  const shapes = inferShapes(g);
  const vals = new Map<string, Tensor>();
  const param = (id: string, p: string) => w.get(`${id}/${p}`)!.data;
  for (const n of g.nodes) {
    const ins = n.inputs.map((p) => vals.get(p)!);
    const xs = n.inputs.map((p) => shapes.get(p)!);
    const out = shapes.get(n.id)!;
    let y: Tensor;
    switch (n.kind) {
      case 'input':
        y = x;
        break;
      case 'conv2d': {
        const [h, wd, cin] = xs[0];
        const ph = padInfo(h, n.kernel, n.stride, n.padding);
        const pw = padInfo(wd, n.kernel, n.stride, n.padding);
        const k = param(n.id, 'kernel');
        const cout = n.filters;
        y = new Float64Array(prod(out));
        const b = n.bias ? param(n.id, 'bias') : null;
        const a = ins[0];
        for (let oy = 0; oy < ph.out; oy++) {
          for (let ox = 0; ox < pw.out; ox++) {
            const o = (oy * pw.out + ox) * cout;
            if (b) for (let co = 0; co < cout; co++) y[o + co] = b[co];
            for (let ky = 0; ky < n.kernel; ky++) {
              const iy = oy * n.stride + ky - ph.before;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < n.kernel; kx++) {
                const ix = ox * n.stride + kx - pw.before;
                if (ix < 0 || ix >= wd) continue;
                for (let ci = 0; ci < cin; ci++) {
                  const v = a[(iy * wd + ix) * cin + ci];
                  if (v === 0) continue;
                  const kb = ((ky * n.kernel + kx) * cin + ci) * cout;
                  for (let co = 0; co < cout; co++) y[o + co] += v * k[kb + co];
                }
              }
            }
          }
        }
        break;
      }
      case 'dense': {
        const din = xs[0][0];
        const k = param(n.id, 'kernel');
        y = new Float64Array(n.units);
        if (n.bias) y.set(param(n.id, 'bias'));
        for (let i = 0; i < din; i++) {
          const v = ins[0][i];
          if (v === 0) continue;
          for (let u = 0; u < n.units; u++) y[u] += v * k[i * n.units + u];
        }
        break;
      }
      case 'activation': {
        const a = ins[0];
        const c = xs[0][xs[0].length - 1];
        if (n.fn === 'softmax') {
          const m = Math.max(...a);
          const e = a.map((v) => Math.exp(v - m));
          const s = e.reduce((p, q) => p + q, 0);
          y = e.map((v) => v / s);
          break;
        }
        const alpha = n.fn === 'prelu' ? param(n.id, 'alpha') : null;
        y = a.map((v, i) => {
          switch (n.fn) {
            case 'relu':
              return v > 0 ? v : 0;
            case 'prelu':
              return v > 0 ? v : alpha![i % c] * v;
            case 'elu':
              return v > 0 ? v : Math.exp(v) - 1;
            case 'tanh':
              return Math.tanh(v);
            case 'sigmoid':
              return 1 / (1 + Math.exp(-v));
            default:
              return v;
          }
        });
        break;
      }
      case 'batchnorm': {
        const c = xs[0][xs[0].length - 1];
        const [gm, bt, mu, vr] = ['gamma', 'beta', 'movingMean', 'movingVariance'].map((p) => param(n.id, p));
        y = ins[0].map((v, i) => {
          const ch = i % c;
          return ((v - mu[ch]) * gm[ch]) / Math.sqrt(vr[ch] + n.epsilon) + bt[ch];
        });
        break;
      }
      case 'dropout':
      case 'flatten':
        y = ins[0];
        break;
      case 'maxpool2d':
      case 'avgpool2d': {
        const [h, wd, c] = xs[0];
        const s = n.stride ?? n.pool;
        const ph = padInfo(h, n.pool, s, n.padding);
        const pw = padInfo(wd, n.pool, s, n.padding);
        y = new Float64Array(prod(out));
        const isMax = n.kind === 'maxpool2d';
        for (let oy = 0; oy < ph.out; oy++) {
          for (let ox = 0; ox < pw.out; ox++) {
            for (let ch = 0; ch < c; ch++) {
              let acc = isMax ? -Infinity : 0;
              let count = 0;
              for (let ky = 0; ky < n.pool; ky++) {
                const iy = oy * s + ky - ph.before;
                if (iy < 0 || iy >= h) continue;
                for (let kx = 0; kx < n.pool; kx++) {
                  const ix = ox * s + kx - pw.before;
                  if (ix < 0 || ix >= wd) continue;
                  const v = ins[0][(iy * wd + ix) * c + ch];
                  acc = isMax ? Math.max(acc, v) : acc + v;
                  count++;
                }
              }
              y[(oy * pw.out + ox) * c + ch] = isMax ? acc : acc / count;
            }
          }
        }
        break;
      }
      case 'globalmaxpool':
      case 'globalavgpool': {
        const [h, wd, c] = xs[0];
        const isMax = n.kind === 'globalmaxpool';
        y = new Float64Array(c).fill(isMax ? -Infinity : 0);
        for (let p = 0; p < h * wd; p++) {
          for (let ch = 0; ch < c; ch++) {
            const v = ins[0][p * c + ch];
            y[ch] = isMax ? Math.max(y[ch], v) : y[ch] + v / (h * wd);
          }
        }
        break;
      }
      case 'add':
        y = ins[0].map((_, i) => ins.reduce((a, t) => a + t[i], 0));
        break;
      case 'concat': {
        const cs = xs.map((s) => s[s.length - 1]);
        const total = cs.reduce((a, b) => a + b, 0);
        const positions = prod(out) / total;
        y = new Float64Array(prod(out));
        for (let p = 0; p < positions; p++) {
          let off = 0;
          ins.forEach((t, i) => {
            y.set(t.subarray(p * cs[i], (p + 1) * cs[i]), p * total + off);
            off += cs[i];
          });
        }
        break;
      }
      case 'slice': {
        const c = xs[0][xs[0].length - 1];
        const positions = prod(xs[0]) / c;
        y = new Float64Array(positions * n.size);
        for (let p = 0; p < positions; p++) {
          y.set(ins[0].subarray(p * c + n.begin, p * c + n.begin + n.size), p * n.size);
        }
        break;
      }
    }
    vals.set(n.id, y);
  }
  return vals.get(g.output)!;
}

/** A batch: `x` holds `batch` samples back to back. */
export function forward(g: Graph, w: Weights, x: Float64Array, batch: number): Float64Array[] {
  const per = x.length / batch;
  return Array.from({ length: batch }, (_, i) => forwardOne(g, w, x.subarray(i * per, (i + 1) * per)));
}

/** max |a − b| and the DESIGN tolerance ratio max|a − b| / (1 + max|a|). */
export function compareOutputs(
  a: Float64Array[],
  b: Float64Array[],
): { maxAbsDiff: number; relDiff: number } {
  let diff = 0;
  let scale = 0;
  a.forEach((row, i) => {
    row.forEach((v, j) => {
      diff = Math.max(diff, Math.abs(v - b[i][j]));
      scale = Math.max(scale, Math.abs(v));
    });
  });
  return { maxAbsDiff: diff, relDiff: diff / (1 + scale) };
}
