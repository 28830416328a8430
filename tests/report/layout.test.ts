import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtin, Graph } from '../../src/graph';
import {
  assignLayers,
  countCrossings,
  edgePath,
  Layout,
  layeredLayout,
  naturalCompare,
  placeLayer,
  treeLayout,
} from '../../src/report/layout';

const boxes = (g: Graph) => g.nodes.map((n) => ({ id: n.id, inputs: n.inputs, width: 100, height: 30 }));

function assertNoOverlap(layout: Layout, gap: number): void {
  const byLayer = new Map<number, Layout['nodes']>();
  for (const n of layout.nodes) byLayer.set(n.layer, [...(byLayer.get(n.layer) ?? []), n]);
  for (const row of byLayer.values()) {
    const sorted = [...row].sort((a, b) => a.x - b.x);
    for (let i = 1; i < sorted.length; i++) {
      const room = sorted[i].x - sorted[i - 1].x - (sorted[i].width + sorted[i - 1].width) / 2;
      assert.ok(room >= gap - 1e-6, `${sorted[i - 1].id} and ${sorted[i].id} are ${room}px apart`);
    }
  }
  for (const n of layout.nodes) {
    assert.ok(
      n.x - n.width / 2 >= 0 && n.x + n.width / 2 <= layout.width + 1e-6,
      `${n.id} is outside the drawing`,
    );
    assert.ok(n.y >= 0 && n.y + n.height <= layout.height + 1e-6);
  }
}

describe('layered layout', () => {
  test('natural order sorts numbered ids as people do', () => {
    assert.deepEqual(['c10', 'c2', 'c1', 'b', 'c2a', 'c02'].sort(naturalCompare), [
      'b',
      'c1',
      'c2',
      'c2a',
      'c02',
      'c10',
    ]);
  });

  test('a layer is the longest path from a source; a cycle is refused by name', () => {
    const layers = assignLayers([
      { id: 'in', inputs: [] },
      { id: 'a', inputs: ['in'] },
      { id: 'b', inputs: ['a'] },
      { id: 'sum', inputs: ['b', 'in', 'ghost'] },
    ]);
    assert.deepEqual(
      [...layers],
      [
        ['in', 0],
        ['a', 1],
        ['b', 2],
        ['sum', 3],
      ],
    );
    assert.throws(
      () =>
        assignLayers([
          { id: 'x', inputs: ['y'] },
          { id: 'y', inputs: ['x'] },
        ]),
      /cycle.*'x'/,
    );
  });

  test('crossings are counted between two layers', () => {
    assert.equal(
      countCrossings([
        [0, 1],
        [1, 0],
      ]),
      1,
    );
    assert.equal(
      countCrossings([
        [0, 0],
        [1, 1],
        [2, 2],
      ]),
      0,
    );
    assert.equal(
      countCrossings([
        [0, 2],
        [1, 1],
        [2, 0],
      ]),
      3,
    );
  });

  test('placeLayer keeps the spacing, centres items that want one spot, and lets a light item yield', () => {
    const x = placeLayer([100, 100, 100], [0, 0, 0], [1, 1, 1], 20);
    assert.deepEqual(x, [-120, 0, 120]);
    const spread = placeLayer([100, 100], [-500, 500], [1, 1], 20);
    assert.deepEqual(spread, [-500, 500]);
    const [box, dummy] = placeLayer([100, 10], [0, 0], [1, 0.02], 20);
    assert.ok(Math.abs(box) < 2, `the box moved to ${box}`);
    assert.ok(dummy - box >= 75 - 1e-9);
  });

  test('a chain is one straight column', () => {
    const l = layeredLayout(boxes(builtin('seed-teacher')));
    assert.equal(new Set(l.nodes.map((n) => n.x)).size, 1);
    assert.equal(l.layers, l.nodes.length);
    assertNoOverlap(l, 24);
  });

  test('a residual net: skips run beside the boxes they skip, every edge points down, nothing overlaps', () => {
    const g = builtin('resnet-s');
    const l = layeredLayout(boxes(g), { nodeGap: 24 });
    assertNoOverlap(l, 24);
    const byId = new Map(l.nodes.map((n) => [n.id, n]));
    for (const e of l.edges) {
      for (let k = 1; k < e.points.length; k++)
        assert.ok(e.points[k].y >= e.points[k - 1].y - 1e-9, `${e.from}→${e.to} goes up`);
      assert.equal(e.points[0].y, byId.get(e.from)!.y + byId.get(e.from)!.height);
      assert.equal(e.points[e.points.length - 1].y, byId.get(e.to)!.y);
      // Points inside the route lie in layers the edge crosses: none may sit on a box there.
      for (const p of e.points.slice(1, -1)) {
        for (const n of l.nodes) {
          const inBand = p.y >= n.y - 1e-9 && p.y <= n.y + n.height + 1e-9;
          if (inBand) assert.ok(Math.abs(p.x - n.x) >= n.width / 2, `${e.from}→${e.to} runs through ${n.id}`);
        }
      }
    }
    const shortcut = l.edges.find((e) => e.from === 'relu1' && e.to === 'b1_add')!;
    assert.ok(shortcut.points.length > 2, 'the identity shortcut spans layers');
  });

  test('inception-style towers sit side by side, centred between the split and the concat', () => {
    const nodes = [
      { id: 'in', inputs: [] as string[] },
      { id: 't1', inputs: ['in'] },
      { id: 't2', inputs: ['in'] },
      { id: 't3', inputs: ['in'] },
      { id: 'cat', inputs: ['t1', 't2', 't3'] },
    ].map((n) => ({ ...n, width: 100, height: 30 }));
    const l = layeredLayout(nodes, { nodeGap: 20 });
    const x = Object.fromEntries(l.nodes.map((n) => [n.id, n.x]));
    assert.deepEqual([x.t2 - x.t1, x.t3 - x.t2], [120, 120]);
    assert.ok(Math.abs(x.in - x.t2) < 1e-6 && Math.abs(x.cat - x.t2) < 1e-6);
    assert.deepEqual(layeredLayout(nodes, { nodeGap: 20 }), l, 'the same graph gives the same picture');
  });

  test('edge paths: straight runs as lines, bends as vertical S-curves', () => {
    assert.equal(
      edgePath([
        { x: 0, y: 0 },
        { x: 0, y: 10 },
      ]),
      'M0,0 L0,10',
    );
    assert.equal(
      edgePath([
        { x: 0, y: 0 },
        { x: 10, y: 20 },
      ]),
      'M0,0 C0,10 10,10 10,20',
    );
  });
});

describe('tree layout', () => {
  const node = (id: string, parent: string | null) => ({ id, parent, width: 100, height: 40 });

  test('parents are centred over their children, families stay together, siblings in id order', () => {
    const l = treeLayout(
      [
        node('c0', null),
        node('c1', 'c0'),
        node('c2', 'c0'),
        node('c10', 'c1'),
        node('c3', 'c1'),
        node('c4', 'c2'),
        node('c5', 'c4'),
      ],
      { nodeGap: 20 },
    );
    const at = new Map(l.nodes.map((n) => [n.id, n]));
    assertNoOverlap(l, 20);
    assert.equal(at.get('c0')!.x, (at.get('c1')!.x + at.get('c2')!.x) / 2);
    assert.equal(at.get('c1')!.x, (at.get('c3')!.x + at.get('c10')!.x) / 2);
    assert.ok(at.get('c3')!.x < at.get('c10')!.x, 'c3 before c10');
    assert.equal(at.get('c4')!.x, at.get('c5')!.x, 'an only child sits under its parent');
    assert.deepEqual(
      l.nodes.map((n) => n.layer),
      [0, 1, 1, 2, 2, 2, 3],
    );
    assert.equal(l.edges.length, 6);
  });

  test('a deep subtree does not collide with its neighbour below the top rows (contours)', () => {
    const l = treeLayout([
      node('r', null),
      node('a', 'r'),
      node('b', 'r'),
      node('a1', 'a'),
      node('a2', 'a'),
      node('b1', 'b'),
      node('b2', 'b'),
      node('a21', 'a2'),
      node('a22', 'a2'),
      node('b11', 'b1'),
      node('b12', 'b1'),
    ]);
    assertNoOverlap(l, 24);
  });

  test('unknown parents and cycles of parent links still place every node', () => {
    const l = treeLayout([node('x', 'file:///elsewhere/c9'), node('p', 'q'), node('q', 'p'), node('y', 'x')]);
    assert.equal(l.nodes.length, 4);
    assertNoOverlap(l, 24);
    assert.equal(l.nodes.find((n) => n.id === 'x')!.layer, 0);
  });
});
