/**
 * `init: 'random'` (src/morph/random-init.ts), one row per command: the child has the
 * preserving child's graph; the parent's values sit in it unchanged where the old units are
 * (the parent tensor embedded at the row's offsets: old channels first, a grown kernel's old
 * taps centred); every other value is new and follows its initialiser (Glorot-uniform kernels
 * within ±√(6 / (fanIn + fanOut)) with its spread, never the preserving value; zero biases,
 * batch norm 1/0/0/1); new units' optimizer slots are zero; and the same seed gives the same child.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { paramEntries, Rng, WeightTensor, Weights } from '../../src/graph';
import { applyCommands } from '../../src/morph';
import { builtinNet, Net, outputChange } from './support/check';

interface Row {
  net: Net;
  command: string;
  /** Where the parent tensor `key` sits in the child's tensor of the same key; zeros by default. */
  offsets?: (key: string, parent: readonly number[], child: readonly number[]) => number[];
}

const teacher = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
const resnet = builtinNet('resnet-s', { inputShape: [8, 8, 1], numClasses: 3 });
const centredTaps = (_: string, p: readonly number[], c: readonly number[]) =>
  c.map((d, i) => (i < 2 ? (d - p[i]) / 2 : 0));

const ROWS: Row[] = [
  { net: teacher, command: 'wider conv1 x2' },
  { net: teacher, command: 'wider fc1 x2' },
  { net: resnet, command: 'wider @b2_conv1 x2' }, // through a batch norm
  { net: teacher, command: 'deeper conv2' },
  { net: teacher, command: 'deeper fc1' },
  { net: resnet, command: 'deeper @b2_conv1' }, // mirrors the block's batch norm
  { net: teacher, command: 'kernel conv2 5', offsets: centredTaps },
  { net: teacher, command: 'skip conv1 conv2' },
  { net: teacher, command: 'group conv1 3' },
  { net: resnet, command: 'branch @b2_conv1 width=3' },
  { net: teacher, command: 'insert conv1 bn' },
];

/** Row-major flat index → multi-index, and back with an offset. */
function embedIndex(i: number, parent: readonly number[], child: readonly number[], off: number[]): number {
  let rest = i;
  let at = 0;
  let stride = 1;
  for (let d = parent.length - 1; d >= 0; d--) {
    const idx = rest % parent[d];
    rest = Math.floor(rest / parent[d]);
    at += (idx + off[d]) * stride;
    stride *= child[d];
  }
  return at;
}

/** Per tensor of the child, which values are the parent's (old units); absent = all new. */
function oldPositions(row: Row, child: Weights): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const [key, p] of row.net.weights) {
    const c = child.get(key);
    assert.ok(c, `${row.command}: the child lacks the parent's '${key}'`);
    const off = row.offsets?.(key, p.shape, c.shape) ?? p.shape.map(() => 0);
    const at = new Map<number, number>();
    for (let i = 0; i < p.data.length; i++) at.set(embedIndex(i, p.shape, c.shape, off), p.data[i]);
    out.set(key, at);
  }
  return out;
}

const INIT_VALUE: Record<string, number> = { zeros: 0, ones: 1, prelu: 0.25 };

function spreadOf(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
}

const ones = (w: Weights): Weights =>
  new Map(
    [...w]
      .filter(([k]) => !/\/moving(Mean|Variance)$/.test(k))
      .map(([k, t]): [string, WeightTensor] => [
        k,
        { shape: [...t.shape], data: new Float32Array(t.data.length).fill(1) },
      ]),
  );

describe('init random: the same commands with new units from the initialiser', () => {
  for (const row of ROWS) {
    test(row.command, () => {
      const { net, command } = row;
      const preserving = applyCommands(net.graph, net.weights, command, new Rng(5));
      const slots = new Map([['velocity', { moment: 'first' as const, values: ones(net.weights) }]]);
      const random = applyCommands(net.graph, net.weights, command, new Rng(5), { init: 'random', slots });

      assert.deepEqual(random.graph, preserving.graph, 'the same architecture');
      assert.equal(random.preserving, false);

      const old = oldPositions(row, random.weights);
      let fresh = 0;
      let drawn = 0;
      for (const p of paramEntries(random.graph)) {
        const t = random.weights.get(p.key)!;
        const keep = old.get(p.key) ?? new Map<number, number>();
        for (const [i, v] of keep) assert.equal(t.data[i], v, `${p.key}[${i}] keeps the parent's value`);
        const added = [...t.data.keys()].filter((i) => !keep.has(i));
        fresh += added.length;
        const slot = random.slots.get('velocity')!.values.get(p.key);
        for (const i of keep.keys())
          if (slot) assert.equal(slot.data[i], 1, `${p.key}[${i}]: old slot carried`);
        for (const i of added) if (slot) assert.equal(slot.data[i], 0, `${p.key}[${i}]: new slot zero`);
        if (added.length === 0) continue;
        const values = added.map((i) => t.data[i]);
        drawn += p.init === 'glorot' ? values.length : 0;
        if (p.init !== 'glorot') {
          for (const v of values) assert.equal(v, INIT_VALUE[p.init], `${p.key}: ${p.init}`);
          continue;
        }
        const receptive = p.shape.length === 4 ? p.shape[0] * p.shape[1] : 1;
        const limit = Math.sqrt(
          6 / (receptive * (p.shape[p.shape.length - 2] + p.shape[p.shape.length - 1])),
        );
        for (const v of values) assert.ok(Math.abs(v) <= limit, `${p.key}: ${v} within ±${limit}`);
        // Uniform on ±limit has std limit/√3; a few hundred draws land within 20% of it.
        if (values.length >= 200) {
          const ratio = spreadOf(values) / (limit / Math.sqrt(3));
          assert.ok(ratio > 0.8 && ratio < 1.2, `${p.key}: spread ${ratio.toFixed(3)} of Glorot's`);
        }
        const was = preserving.weights.get(p.key)!.data;
        for (const i of added)
          assert.notEqual(t.data[i], was[i], `${p.key}[${i}] is not the preserving value`);
      }
      assert.ok(fresh > 0, 'the command added values');
      // A batch norm from its initialiser is nearly the identity; random kernels are not.
      if (drawn > 0) assert.ok(outputChange(net, random).maxAbsDiff > 1e-6, 'the function changes');

      const again = applyCommands(net.graph, net.weights, command, new Rng(5), { init: 'random' });
      assert.deepEqual(again.weights, random.weights, 'the same seed, the same child');
      if (drawn > 0) {
        const other = applyCommands(net.graph, net.weights, command, new Rng(6), { init: 'random' });
        assert.notDeepEqual(other.weights, random.weights, 'another seed, other new values');
      }
    });
  }
});
