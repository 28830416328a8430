/**
 * Optimizer state through every morphism (src/morph/slots.ts): random networks, random weights,
 * random optimizer slots and random command sequences (every op, pools included), and after
 * every command one optimizer step of the child from the carried slots equals the morph of the
 * parent's step: SGD with momentum (plain and Nesterov) with the gradient mapped like the
 * weights, and Adam's own part of the step (zero gradient; its iteration count carried).
 * Symmetry-breaking noise is off: its scale is measured on the weights, so the map with noise
 * is not affine. Exact up to float32 rounding; the bound is 1e-6 relative.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Graph, Rng, WeightTensor, Weights } from '../../src/graph';
import {
  Command,
  formatCommand,
  MorphError,
  planMorph,
  sampleMutation,
  SamplerOptions,
} from '../../src/morph';
import { applyCommands } from '../../src/morph/apply';
import { randomArch, randomWeights, smallBuiltin } from './support/arch';
import { builtinNet } from './support/check';
import { EVERY_OP as SHARED_OPS } from './support/sampler';

const RUNS = Number(process.env.NETGROW_MORPH_RUNS ?? 300);
const SEED = process.env.NETGROW_MORPH_SEED ? Number(process.env.NETGROW_MORPH_SEED) : undefined;
const BOUND = 1e-6;

const EVERY_OP: Partial<SamplerOptions> = { ...SHARED_OPS, init: 'net2wider', noise: 0 };

/** tfjs trains every parameter but batch norm's moving statistics. */
const trainable = (key: string): boolean => !/\/moving(Mean|Variance)$/.test(key);

function randomSlots(w: Weights, draw: () => number): Weights {
  const s: Weights = new Map();
  for (const [k, t] of w) if (trainable(k)) s.set(k, { shape: [...t.shape], data: t.data.map(draw) });
  return s;
}

function mapTensors(w: Weights, f: (key: string, t: WeightTensor) => Float32Array | null): Weights {
  return new Map(
    [...w].map(([k, t]) => {
      const data = f(k, t);
      return [k, data ? { shape: t.shape, data } : t] as const;
    }),
  );
}

/** PyTorch-form SGD as src/train/optimizer.ts: v ← μv + g; θ ← θ − lr·v (Nesterov: g + μv). */
function sgdStep(w: Weights, v: Weights, g: Weights, lr: number, mu: number, nesterov: boolean): Weights {
  return mapTensors(w, (k, t) => {
    const vk = v.get(k);
    if (!vk) return null;
    const gk = g.get(k)!.data;
    return t.data.map((x, i) => {
      const next = mu * vk.data[i] + gk[i];
      return x - lr * (nesterov ? gk[i] + mu * next : next);
    });
  });
}

/** Adam as src/train/optimizer.ts, the step its state takes with a zero gradient. */
function adamOwnStep(w: Weights, m: Weights, v: Weights, t: number, lr: number): Weights {
  const [b1, b2, eps] = [0.9, 0.999, 1e-7];
  const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  return mapTensors(w, (k, x) => {
    const mk = m.get(k);
    if (!mk) return null;
    const vk = v.get(k)!.data;
    return x.data.map((p, i) => p - (lrT * (b1 * mk.data[i])) / (Math.sqrt(b2 * vk[i]) + eps));
  });
}

function assertClose(got: Weights, want: Weights, what: string): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: the same tensors`);
  for (const [k, t] of want) {
    const a = got.get(k)!.data;
    assert.deepEqual(got.get(k)!.shape, t.shape, `${what}: shape of ${k}`);
    let scale = 1;
    for (const x of t.data) scale = Math.max(scale, Math.abs(x));
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - t.data[i]) / scale;
      assert.ok(d <= BOUND, `${what}: ${k}[${i}] ${a[i]} vs ${t.data[i]} (rel ${d})`);
    }
  }
}

function drawOrStop(g: Graph, rng: Rng, index: number): Command | null {
  try {
    return sampleMutation(g, rng, EVERY_OP);
  } catch (e) {
    if (index > 0 && e instanceof MorphError && e.code === 'no_feasible_command') return null;
    throw e;
  }
}

const pools = (c: Command): boolean =>
  (c.op === 'deeper' && c.pool !== undefined) || (c.op === 'insert' && /pool$/.test(c.layer));

/** One case: a random network and `length` commands, the step identity checked after each. */
function checkCase(seed: number, length: number, ops: Map<string, number>): void {
  const rng = new Rng(seed);
  const graph = rng.next() < 0.3 ? smallBuiltin(rng) : randomArch(rng);
  let cur = { graph, weights: randomWeights(graph, rng) };
  const normal = () => rng.normal();
  let vel = randomSlots(cur.weights, normal);
  let m = randomSlots(cur.weights, normal);
  let v = randomSlots(cur.weights, () => rng.normal() ** 2 + 1e-3);
  const mu = 0.9;
  const nesterov = seed % 2 === 1;
  const iterations = 1 + (seed % 500);
  for (let i = 0; i < length; i++) {
    const c = drawOrStop(cur.graph, rng, i);
    if (!c) break;
    const what = `${formatCommand(c)} on '${graph.name}' (seed ${seed})`;
    const plan = planMorph(cur.graph, c, rng.fork(i));
    const grad = randomSlots(cur.weights, normal);
    const child = plan.weights(cur.weights);
    const childVel = plan.slots(vel, 'first');
    const childGrad = plan.slots(grad, 'first');
    assertClose(
      sgdStep(child, childVel, childGrad, 0.1, mu, nesterov),
      plan.weights(sgdStep(cur.weights, vel, grad, 0.1, mu, nesterov)),
      `sgd ${what}`,
    );
    const childM = plan.slots(m, 'first');
    const childV = plan.slots(v, 'second');
    // A pool sums rows: Σm/√v' cannot equal Σ(m/√v) for any v' (slots.ts); SGD above is exact there.
    if (!pools(c))
      assertClose(
        adamOwnStep(child, childM, childV, iterations, 0.01),
        plan.weights(adamOwnStep(cur.weights, m, v, iterations, 0.01)),
        `adam ${what}`,
      );
    for (const s of [childVel, childM, childV]) {
      for (const [k, x] of s) assert.deepEqual(x.shape, child.get(k)!.shape, `slot shape of ${k}`);
    }
    ops.set(c.op, (ops.get(c.op) ?? 0) + 1);
    cur = { graph: plan.graph, weights: child };
    [vel, m, v] = [childVel, childM, childV];
  }
}

describe('optimizer slots through morphisms', () => {
  test(`${RUNS} random networks × 1..6 commands: the child's step from the carried state is the parent's step, mapped`, (t) => {
    const ops = new Map<string, number>();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 6 }), (seed, length) =>
        checkCase(seed, length, ops),
      ),
      { numRuns: RUNS, seed: SEED },
    );
    t.diagnostic(`commands checked: ${JSON.stringify(Object.fromEntries(ops))}`);
    for (const op of ['wider', 'deeper', 'kernel', 'skip', 'group', 'branch', 'insert']) {
      assert.ok((ops.get(op) ?? 0) > 0, `no ${op} command was drawn`);
    }
  });

  test('net2wider: incoming slots copied, split outgoing velocity divided, Adam v copied; new tensors get none', () => {
    const net = builtinNet('mlp', { inputShape: [5], numClasses: 3 });
    const ones = (w: Weights) => mapTensors(w, (_, t) => new Float32Array(t.data.length).fill(1));
    const slots = ones(new Map([...net.weights].filter(([k]) => trainable(k))));
    const first = new Map([['velocity', { moment: 'first' as const, values: slots }]]);
    const second = new Map([['v', { moment: 'second' as const, values: slots }]]);
    const r1 = applyCommands(net.graph, net.weights, 'wider fc1 x2; deeper fc1', new Rng(1), {
      slots: first,
    });
    const r2 = applyCommands(net.graph, net.weights, 'wider fc1 x2; deeper fc1', new Rng(1), {
      slots: second,
    });
    const vel = r1.slots.get('velocity')!.values;
    const v = r2.slots.get('v')!.values;
    // fc1's own kernel and bias: every unit (old or replica) copies its source's slots.
    assert.ok(vel.get('fc1/kernel')!.data.every((x) => x === 1));
    assert.ok(vel.get('fc1/bias')!.data.every((x) => x === 1));
    // The consumer's rows: a unit copied once has count 2 (1/2); one never copied keeps 1.
    const rows = vel.get('fc2/kernel')!.data;
    assert.ok(rows.every((x) => [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5].some((q) => x === Math.fround(q))));
    assert.ok(rows.some((x) => x < 1));
    assert.ok(
      v.get('fc2/kernel')!.data.every((x) => x === 1),
      'Adam v is copied, not divided',
    );
    // The deeper layer is new: no slots, so the optimizer starts it at zero.
    assert.ok(r1.graph.nodes.some((n) => n.id === 'fc1_deep1'));
    assert.equal(vel.has('fc1_deep1/kernel'), false);
  });

  test('random-pad: the new channels start with zero slots; the originals keep theirs', () => {
    const net = builtinNet('mlp', { inputShape: [5], numClasses: 3 });
    const slots = mapTensors(new Map([...net.weights].filter(([k]) => trainable(k))), (_, t) =>
      new Float32Array(t.data.length).fill(1),
    );
    const width = net.graph.nodes.find((n) => n.id === 'fc1')!;
    const old = width.kind === 'dense' ? width.units : 0;
    const r = applyCommands(net.graph, net.weights, 'wider fc1 x2 init=random-pad', new Rng(1), {
      slots: new Map([['m', { moment: 'first' as const, values: slots }]]),
    });
    const bias = r.slots.get('m')!.values.get('fc1/bias')!.data;
    assert.equal(bias.length, old * 2);
    assert.deepEqual([...bias.slice(0, old)], new Array(old).fill(1));
    assert.deepEqual([...bias.slice(old)], new Array(old).fill(0));
  });
});
