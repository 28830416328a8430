/**
 * The mutation sampler: the seed's GA rules (src/GA.py `calc_choice_weight`, src/Net2Net.py
 * `deeper` / `wider` / `add_skip` / `add_group`, src/Config.py limits) made explicit and
 * configurable, plus random feasible plans (legacy/rand_net2net.py `rand_cmd`).
 *
 * - kinds are drawn with the seed's depth-dependent weights: deeper and wider `maxDepth/2`,
 *   deeper-with-pooling `maxDepth − maxDepth/(2·poolLimit)·poolCount` (so pooling gets rarer
 *   as pools accumulate, and stops at the limit `floor(log2(min(H, W))) − 2`), skip and group
 *   `depth/2` (more likely as the network deepens);
 * - a conv is widened towards a cap that grows with its depth (128 at the input to 1024 at
 *   `maxDepth`), a dense layer by a ratio in [1.2, 2.4];
 * - pooling prefers early layers (weight 1/k for the k-th conv);
 * - an infeasible draw is rejected and drawn again (the planner is the judge of feasibility).
 * Every draw comes from the injected Rng: the same seed gives the same commands.
 */
import { assertNever, countFlops, Graph, GraphNode, positionalNames, Rng } from '../graph';
import { Command, DEFAULT_NOISE, formatCommand } from './command';
import { MorphError } from './errors';
import { planMorph } from './morph';

export const MUTATION_KINDS = [
  'deeper',
  'deeper-pool',
  'wider',
  'skip',
  'group',
  'kernel',
  'branch',
  'insert-bn',
  'insert-dropout',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface SamplerOptions {
  /** The seed's `model_max_depth`. */
  maxDepth: number;
  /** Conv widening cap at depth 0 and at `maxDepth` (the seed's model_min/max_conv_width). */
  minConvWidth: number;
  maxConvWidth: number;
  /** Widen convs by a ratio in this range instead of the seed's depth rule. */
  convRatio?: [number, number];
  /** Dense widening ratio (the seed's rand_cmd) and the seed's dense width limit. */
  denseRatio: [number, number];
  maxDenseWidth: number;
  /** Group counts, inclusive. */
  groups: [number, number];
  init: 'net2wider' | 'random-pad';
  noise: number;
  /** Kind weights that replace the seed's depth rule (0 disables a kind; unlisted kinds keep theirs). */
  weights?: Partial<Record<MutationKind, number>>;
  /** Only commands that preserve the function (no pooling, no random-pad). */
  preservingOnly: boolean;
  /** Draws before giving up. */
  maxTries: number;
  /** Refuse a draw whose network would have more forward FLOPs per sample than this. */
  maxFlops?: number;
}

export const SEED_SAMPLER: SamplerOptions = {
  maxDepth: 20,
  minConvWidth: 128,
  maxConvWidth: 1024,
  denseRatio: [1.2, 2.4],
  maxDenseWidth: 4096,
  groups: [2, 5],
  init: 'net2wider',
  noise: DEFAULT_NOISE,
  preservingOnly: false,
  maxTries: 100,
};

/**
 * The seed's `rand_cmd` (legacy/rand_net2net.py) for `randomPlan`: deeper 60%, wider 40% by a
 * ratio in [1.2, 2.4], under the legacy width limits (512 filters, 4096 units).
 */
export const SEED_RAND_CMD: Partial<SamplerOptions> = {
  weights: { deeper: 6, wider: 4, 'deeper-pool': 0, skip: 0, group: 0 },
  convRatio: [1.2, 2.4],
  maxConvWidth: 512,
  denseRatio: [1.2, 2.4],
  maxDenseWidth: 4096,
};

/** Conv layers along the longest path up to each node (the seed's `node.depth`). */
function convDepths(g: Graph): Map<string, number> {
  return longestCounts(g, (n) => n.kind === 'conv2d');
}

function longestCounts(g: Graph, counts: (n: GraphNode) => boolean): Map<string, number> {
  const depth = new Map<string, number>();
  for (const n of g.nodes) {
    const before = Math.max(0, ...n.inputs.map((p) => depth.get(p)!));
    depth.set(n.id, before + (counts(n) ? 1 : 0));
  }
  return depth;
}

export interface DepthStats {
  /** Conv layers on the longest path (the seed's model depth). */
  depth: number;
  /** Downsampling pools on the longest path, and how many the input size allows. */
  poolCount: number;
  poolLimit: number;
}

export function depthStats(g: Graph): DepthStats {
  const input = g.nodes.find((n) => n.kind === 'input');
  const shape = input?.kind === 'input' ? input.shape : [];
  const poolCount = longestCounts(
    g,
    (n) => (n.kind === 'maxpool2d' || n.kind === 'avgpool2d') && (n.stride ?? n.pool) > 1,
  ).get(g.output)!;
  return {
    depth: convDepths(g).get(g.output)!,
    poolCount,
    poolLimit: shape.length === 3 ? Math.max(0, Math.floor(Math.log2(Math.min(shape[0], shape[1]))) - 2) : 0,
  };
}

/** The seed's calc_choice_weight, extended with the kinds the GA did not use (weight 0 unless given). */
export function choiceWeights(g: Graph, opts: Partial<SamplerOptions> = {}): Record<MutationKind, number> {
  const o = { ...SEED_SAMPLER, ...opts };
  const { depth, poolCount, poolLimit } = depthStats(g);
  const pool =
    poolLimit > 0 && poolCount < poolLimit
      ? Math.floor(o.maxDepth - (o.maxDepth / (2 * poolLimit)) * poolCount)
      : 0;
  const w: Record<MutationKind, number> = {
    deeper: o.maxDepth / 2,
    'deeper-pool': o.preservingOnly ? 0 : pool,
    wider: o.maxDepth / 2,
    skip: depth / 2,
    group: depth / 2,
    kernel: 0,
    branch: 0,
    'insert-bn': 0,
    'insert-dropout': 0,
  };
  for (const k of MUTATION_KINDS) if (o.weights?.[k] !== undefined) w[k] = o.weights[k]!;
  const hasConv = g.nodes.some((n) => n.kind === 'conv2d');
  if (o.preservingOnly || pool === 0 || !hasConv) w['deeper-pool'] = 0;
  return w;
}

/** One random feasible command for `g`, drawn by the GA rules. Throws when none is found. */
export function sampleMutation(g: Graph, rng: Rng, opts: Partial<SamplerOptions> = {}): Command {
  const o = { ...SEED_SAMPLER, ...opts };
  const weights = choiceWeights(g, o);
  const kinds = MUTATION_KINDS.filter((k) => weights[k] > 0);
  if (kinds.length === 0) throw new MorphError('no_feasible_command', 'every mutation kind has weight 0');
  const refusals = new Map<string, string>();
  for (let t = 0; t < o.maxTries; t++) {
    const kind = kinds[rng.weighted(kinds.map((k) => weights[k]))];
    const c = draw(g, kind, rng, o);
    if (!c) continue;
    try {
      const planned = planMorph(g, c, rng.fork('feasibility'));
      const flops = o.maxFlops === undefined ? 0 : countFlops(planned.graph).forwardFlops;
      if (flops <= (o.maxFlops ?? Infinity)) return c;
      refusals.set(formatCommand(c), `${flops} forward FLOPs per sample, over the limit ${o.maxFlops}`);
    } catch (e) {
      if (!(e instanceof MorphError)) throw e;
      refusals.set(formatCommand(c), e.message);
    }
  }
  const seen = [...refusals.values()].slice(0, 2).join('; ');
  throw new MorphError(
    'no_feasible_command',
    `no feasible mutation of '${g.name}' in ${o.maxTries} draws${seen ? ` (e.g. ${seen})` : ''}`,
  );
}

/**
 * `length` random feasible commands, each feasible on the network the previous ones produced
 * (the seed's rand_cmd loop); positional names refer to that network, as `applyCommands` expects.
 */
export function randomPlan(
  g: Graph,
  rng: Rng,
  length: number,
  opts: Partial<SamplerOptions> = {},
): Command[] {
  const out: Command[] = [];
  let cur = g;
  for (let i = 0; i < length; i++) {
    const c = sampleMutation(cur, rng, opts);
    cur = planMorph(cur, c, rng.fork(`plan-${i}`)).graph;
    out.push(c);
  }
  return out;
}

function draw(g: Graph, kind: MutationKind, rng: Rng, o: SamplerOptions): Command | null {
  const names = positionalNames(g);
  const layers = g.nodes.filter((n) => n.kind === 'conv2d' || n.kind === 'dense');
  const convs = g.nodes.filter((n) => n.kind === 'conv2d');
  const ref = (n: GraphNode) => names.get(n.id)!;
  const pick = (xs: GraphNode[]) => (xs.length ? xs[rng.int(xs.length)] : null);
  switch (kind) {
    case 'deeper': {
      const n = pick(layers);
      return n && { op: 'deeper', node: ref(n), kernel: 3 };
    }
    case 'deeper-pool': {
      if (convs.length === 0) return null;
      const n = convs[rng.weighted(convs.map((_, k) => 1 / (k + 1)))];
      return { op: 'deeper', node: ref(n), kernel: 3, pool: rng.next() < 0.5 ? 'max' : 'avg' };
    }
    case 'wider': {
      const n = pick(layers);
      if (!n) return null;
      const width = widerTarget(g, n, rng, o);
      const init = o.preservingOnly ? 'net2wider' : o.init;
      return width === null ? null : { op: 'wider', node: ref(n), width, init, noise: o.noise };
    }
    case 'skip': {
      // The seed: a conv and the next one, never into the last.
      if (convs.length < 3) return null;
      const k = rng.int(convs.length - 2);
      return { op: 'skip', from: ref(convs[k]), to: ref(convs[k + 1]) };
    }
    case 'group': {
      const n = pick(convs.slice(0, -1));
      const [lo, hi] = o.groups;
      return n && { op: 'group', node: ref(n), groups: lo + rng.int(hi - lo + 1), kernel: 3 };
    }
    case 'kernel': {
      const n = pick(convs.filter((x) => x.kind === 'conv2d' && x.kernel < 7));
      return n?.kind === 'conv2d' ? { op: 'kernel', node: ref(n), size: n.kernel + 2 } : null;
    }
    case 'branch': {
      const n = pick(convs);
      return n && { op: 'branch', node: ref(n) };
    }
    case 'insert-bn': {
      const n = pick(layers);
      return n && { op: 'insert', node: ref(n), layer: 'bn' };
    }
    case 'insert-dropout': {
      // The seed's Model.py: dropout rate falls linearly with depth, 0.36 at the input to 0.
      const n = pick(layers);
      if (!n) return null;
      const depth = convDepths(g).get(n.id)!;
      const rate = Math.max(0.05, Math.round(36 * (1 - depth / o.maxDepth)) / 100);
      return { op: 'insert', node: ref(n), layer: 'dropout', rate };
    }
    default:
      return assertNever(kind, 'mutation kind');
  }
}

/** The new width of a wider draw, or null when the rule gives no growth. */
function widerTarget(g: Graph, n: GraphNode, rng: Rng, o: SamplerOptions): number | null {
  const cur = n.kind === 'conv2d' ? n.filters : n.kind === 'dense' ? n.units : 0;
  let next: number;
  if (n.kind === 'dense' || o.convRatio) {
    const [lo, hi] = n.kind === 'dense' ? o.denseRatio : o.convRatio!;
    const cap = n.kind === 'dense' ? o.maxDenseWidth : o.maxConvWidth;
    next = Math.min(cap, Math.round(cur * rng.uniform(lo, hi)));
  } else {
    // The seed's Net2Net.wider: a cap that grows linearly with depth, then a uniform step towards it.
    const depth = convDepths(g).get(n.id)!;
    const cap = Math.floor(((o.maxConvWidth - o.minConvWidth) * depth) / o.maxDepth) + o.minConvWidth;
    next = Math.floor(cur + rng.next() * (cap - cur));
  }
  return next > cur ? next : null;
}
