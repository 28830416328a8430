/**
 * Channel maps: how a change in one tensor's channels (replicated for `wider`, appended fresh
 * for `branch`) travels downstream. A map gives, for every channel of the new tensor, the
 * channel of the old tensor it copies (or FRESH). One pass in topological order carries maps
 * through per-channel nodes, reshapes them at flatten / concat / slice, and stops at the
 * weight consumers (conv2d, dense), whose fan-in absorbs the change. Anything that cannot
 * absorb it — a softmax, an add with an unchanged operand, the output — is a refusal.
 */
import { assertNever, Graph, inferShapes, Rng, Shape, WeightTensor, weightKey, Weights } from '../graph';
import { MorphError } from './errors';
import { nameOf } from './graph-edit';
import type { Moment } from './slots';
import { FRESH, gatherAxis, randomizeCopies, splitFanIn, stdOf } from './tensor';

export interface ChannelPlan {
  /** New → old channel, per node output whose layout changed. */
  outMaps: Map<string, Int32Array>;
  /** The input map of every node whose parameters must follow it (conv2d, dense, batchnorm, prelu). */
  inMaps: Map<string, Int32Array>;
  /** Slices whose channel range moved. */
  slices: Map<string, { begin: number; size: number }>;
}

function isIdentity(map: Int32Array, oldWidth: number): boolean {
  return map.length === oldWidth && map.every((m, i) => m === i);
}

function sameMap(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((m, i) => m === b[i]);
}

/**
 * Propagates `seeds` (node id → the map of its output) through the graph. `who` names the
 * changed channels in refusals ("conv3's widened channels").
 */
export function propagateChannels(g: Graph, seeds: Map<string, Int32Array>, who: string): ChannelPlan {
  const shapes = inferShapes(g);
  const outMaps = new Map<string, Int32Array>();
  const inMaps = new Map<string, Int32Array>();
  const slices = new Map<string, { begin: number; size: number }>();
  const width = (id: string) => {
    const s = shapes.get(id)!;
    return s[s.length - 1];
  };
  for (const n of g.nodes) {
    const ins = n.inputs.map((p) => outMaps.get(p));
    const mapped = ins.find((m) => m !== undefined);
    if (mapped && (n.kind === 'conv2d' || n.kind === 'dense')) inMaps.set(n.id, mapped);
    const seed = seeds.get(n.id);
    if (seed) {
      outMaps.set(n.id, seed);
    } else if (mapped) {
      const out = carry(n, ins, mapped);
      if (out && !isIdentity(out, width(n.id))) outMaps.set(n.id, out);
    }
    if (n.id === g.output && outMaps.has(n.id)) {
      throw new MorphError(
        'output_head',
        `${who} reach the network's output ${nameOf(g, n.id)}; that would change the output width`,
        n.id,
      );
    }
  }
  return { outMaps, inMaps, slices };

  function carry(
    n: Graph['nodes'][number],
    ins: Array<Int32Array | undefined>,
    m: Int32Array,
  ): Int32Array | undefined {
    switch (n.kind) {
      case 'conv2d':
      case 'dense':
        return undefined;
      case 'batchnorm':
        inMaps.set(n.id, m);
        return m;
      case 'activation':
        if (n.fn === 'softmax') {
          throw new MorphError(
            'softmax_channels',
            `${who} would pass through softmax '${n.id}', whose value changes when channels are replicated`,
            n.id,
          );
        }
        if (n.fn === 'prelu') inMaps.set(n.id, m);
        return m;
      case 'dropout':
      case 'maxpool2d':
      case 'avgpool2d':
      case 'globalmaxpool':
      case 'globalavgpool':
        return m;
      case 'flatten':
        return flattenMap(m, shapes.get(n.inputs[0])!);
      case 'concat': {
        const parts: number[] = [];
        let offset = 0;
        n.inputs.forEach((p, i) => {
          const w = width(p);
          const pm = ins[i];
          if (pm) for (const v of pm) parts.push(v === FRESH ? FRESH : v + offset);
          else for (let j = 0; j < w; j++) parts.push(j + offset);
          offset += w;
        });
        return Int32Array.from(parts);
      }
      case 'add': {
        const other = n.inputs.findIndex((_, i) => !ins[i] || !sameMap(ins[i]!, m));
        if (other >= 0) {
          throw new MorphError(
            'add_mismatch',
            `${who} meet ${nameOf(g, n.inputs[other])} in add '${n.id}', whose channels would not change the same way; both operands of an add must widen together`,
            n.id,
          );
        }
        return m;
      }
      case 'slice': {
        const picked: number[] = [];
        m.forEach((v, j) => {
          if (v !== FRESH && v >= n.begin && v < n.begin + n.size) picked.push(j);
        });
        const begin = picked[0];
        if (picked.length === 0 || picked[picked.length - 1] - begin + 1 !== picked.length) {
          throw new MorphError(
            'slice_split',
            `slice '${n.id}' takes channels ${n.begin}..${n.begin + n.size - 1}, which would no longer be contiguous among ${who}`,
            n.id,
          );
        }
        if (begin !== n.begin || picked.length !== n.size) slices.set(n.id, { begin, size: picked.length });
        return Int32Array.from(picked, (j) => m[j] - n.begin);
      }
      case 'input':
        return undefined;
      default:
        return assertNever(n, 'node');
    }
  }
}

/** A channel map through a flatten of [H, W, C]: every spatial position repeats it. */
function flattenMap(m: Int32Array, x: Shape): Int32Array {
  if (x.length === 1) return m;
  const positions = x[0] * x[1];
  const c = x[2];
  const out = new Int32Array(positions * m.length);
  for (let s = 0; s < positions; s++) {
    for (let j = 0; j < m.length; j++) out[s * m.length + j] = m[j] === FRESH ? FRESH : s * c + m[j];
  }
  return out;
}

export interface ChannelWeightOptions {
  /** Producers whose output channels are laid out by their seed map (wider); none for branch. */
  producers: Map<string, Int32Array>;
  /**
   * `split` (Net2Wider): new channels copy their source's weights and every consumer's rows
   * are divided among the copies, plus zero-sum noise. `random` (random-pad): new channels
   * get random incoming and outgoing weights and fresh batch-norm / PReLU parameters; the
   * originals keep theirs. FRESH channels (branch) always get zero rows.
   */
  replicas: 'split' | 'random';
  /** Relative std of the zero-sum symmetry-breaking noise on consumer rows (split only). */
  noise: number;
  rng: Rng;
  /**
   * Set when `w` holds optimizer slots of that moment instead of weights (slots.ts): only the
   * tensors `w` has are derived; no noise; new and randomised channels get zero slots; and for
   * the second moment a split consumer row is copied, not divided.
   */
  slot?: Moment;
}

/** Per-channel parameters of a FRESH channel: batch norm's fresh statistics, PReLU's default alpha. */
const FRESH_PARAM: Record<string, number> = {
  gamma: 1,
  beta: 0,
  movingMean: 0,
  movingVariance: 1,
  alpha: 0.25,
};

/** The tensors a channel plan changes, derived from the parent's weights (or slots: `opts.slot`). */
export function channelWeights(
  g: Graph,
  plan: ChannelPlan,
  w: Weights,
  opts: ChannelWeightOptions,
): Array<[string, WeightTensor]> {
  const out: Array<[string, WeightTensor]> = [];
  const slot = opts.slot;
  // random-pad's scale: the std of the tensor it pads; a randomised channel's slots start at zero.
  const random = (t: WeightTensor) => {
    if (slot) return () => 0;
    const sd = stdOf(t.data) || 0.05;
    return () => opts.rng.normal() * sd;
  };
  for (const n of g.nodes) {
    const inMap = plan.inMaps.get(n.id);
    const layout = opts.producers.get(n.id);
    if (!inMap && !layout) continue;
    if (n.kind === 'conv2d' || n.kind === 'dense') {
      const key = weightKey(n.id, 'kernel');
      const inAxis = n.kind === 'conv2d' ? 2 : 0;
      // A slot map may lack a tensor (nothing to carry); weights never do.
      if (slot && !w.has(key)) continue;
      const old = w.get(key)!;
      let kernel = old;
      if (inMap && opts.replicas === 'split' && slot !== 'second') {
        const noise = slot ? 0 : opts.noise;
        kernel = splitFanIn(kernel, inAxis, inMap, { noise, rng: opts.rng, fresh: () => 0 });
      } else if (inMap && opts.replicas === 'split') {
        kernel = gatherAxis(kernel, inAxis, inMap);
      } else if (inMap) {
        kernel = randomizeCopies(gatherAxis(kernel, inAxis, inMap), inAxis, inMap, random(old));
      }
      if (layout) {
        kernel = gatherAxis(kernel, inAxis + 1, layout);
        if (opts.replicas === 'random') kernel = randomizeCopies(kernel, inAxis + 1, layout, random(old));
      }
      out.push([key, kernel]);
      const biasKey = weightKey(n.id, 'bias');
      if (layout && n.bias && (!slot || w.has(biasKey))) {
        const bias = gatherAxis(w.get(biasKey)!, 0, layout);
        out.push([biasKey, opts.replicas === 'random' ? randomizeCopies(bias, 0, layout, () => 0) : bias]);
      }
    } else if (inMap && (n.kind === 'batchnorm' || (n.kind === 'activation' && n.fn === 'prelu'))) {
      const names = n.kind === 'batchnorm' ? ['gamma', 'beta', 'movingMean', 'movingVariance'] : ['alpha'];
      for (const p of names) {
        const key = weightKey(n.id, p);
        // Batch norm's moving statistics are not trained: they have no slots.
        if (slot && !w.has(key)) continue;
        const fresh = () => (slot ? 0 : FRESH_PARAM[p]);
        const gathered = gatherAxis(w.get(key)!, 0, inMap, fresh);
        // A random channel has none of its source's statistics: fresh ones, like a FRESH channel.
        out.push([key, opts.replicas === 'random' ? randomizeCopies(gathered, 0, inMap, fresh) : gathered]);
      }
    }
  }
  return out;
}
