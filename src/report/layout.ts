/**
 * A layered (Sugiyama-style) layout for small DAGs — network architectures and lineage trees —
 * drawn top to bottom:
 *  1. layer = longest path from a source, so every edge points down;
 *  2. edges that span several layers get a dummy point per layer crossed, so a skip connection
 *     runs beside the layers it skips instead of through their boxes;
 *  3. order within a layer: by id (natural order), then barycenter sweeps that keep the
 *     ordering with the fewest edge crossings;
 *  4. x positions: alternating down and up passes move each layer toward its neighbours' mean
 *     (a least-squares fit under the spacing constraints), dummies weighing almost nothing, so
 *     a main path stays straight and branches fan out symmetrically beside it.
 * Deterministic: the same graph always gives the same picture.
 */
import { topoOrder } from '../graph/dag';

export interface LayoutNode {
  id: string;
  /** Ids of the nodes this one reads (its parents); unknown ids are ignored. */
  inputs: readonly string[];
  width: number;
  height: number;
}

export interface LayoutOptions {
  /** Vertical space between layers. */
  layerGap?: number;
  /** Horizontal space between neighbours in a layer. */
  nodeGap?: number;
  /** The room a long edge takes in a layer it crosses. */
  edgeWidth?: number;
  margin?: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode {
  id: string;
  layer: number;
  /** Centre of the box. */
  x: number;
  /** Top of the box. */
  y: number;
  width: number;
  height: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** From the source's bottom centre, through the layers it crosses, to the target's top centre. */
  points: Point[];
}

export interface Layout {
  nodes: PlacedNode[];
  edges: RoutedEdge[];
  width: number;
  height: number;
  layers: number;
}

interface Item {
  id: string;
  real: boolean;
  layer: number;
  width: number;
  height: number;
  preds: number[];
  succs: number[];
  x: number;
}

/** Compares ids as people sort them: c2 before c10. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const [x, y] = [pa[i], pb[i]];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    // Equal numbers: the one with fewer leading zeros first (c2 before c02).
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Longest path from a source for every node; throws the IR's cycle error on a cycle. */
export function assignLayers(nodes: readonly Pick<LayoutNode, 'id' | 'inputs'>[]): Map<string, number> {
  const layer = new Map<string, number>();
  for (const n of topoOrder(nodes)) {
    const ins = n.inputs.filter((p) => layer.has(p));
    layer.set(n.id, ins.length === 0 ? 0 : 1 + Math.max(...ins.map((p) => layer.get(p)!)));
  }
  return layer;
}

/** Edge crossings between two adjacent layers, given each item's position in its layer. */
export function countCrossings(edges: ReadonlyArray<readonly [number, number]>): number {
  let c = 0;
  for (let i = 0; i < edges.length; i++) {
    for (let j = i + 1; j < edges.length; j++) {
      const [a, b] = edges[i];
      const [p, q] = edges[j];
      if ((a - p) * (b - q) < 0) c++;
    }
  }
  return c;
}

export function layeredLayout(input: readonly LayoutNode[], opts: LayoutOptions = {}): Layout {
  const layerGap = opts.layerGap ?? 32;
  const nodeGap = opts.nodeGap ?? 24;
  const edgeWidth = opts.edgeWidth ?? 8;
  const margin = opts.margin ?? 8;
  const layerOf = assignLayers(input);
  const index = new Map(input.map((n, i) => [n.id, i]));
  const items: Item[] = input.map((n) => ({
    id: n.id,
    real: true,
    layer: layerOf.get(n.id)!,
    width: n.width,
    height: n.height,
    preds: [],
    succs: [],
    x: 0,
  }));
  const link = (a: number, b: number): void => {
    items[a].succs.push(b);
    items[b].preds.push(a);
  };
  const chains: Array<{ from: string; to: string; chain: number[] }> = [];
  for (const n of input) {
    const to = index.get(n.id)!;
    for (const p of new Set(n.inputs)) {
      const from = index.get(p);
      if (from === undefined) continue;
      const chain = [from];
      for (let l = items[from].layer + 1; l < items[to].layer; l++) {
        items.push({
          id: `${p}→${n.id}#${l}`,
          real: false,
          layer: l,
          width: edgeWidth,
          height: 0,
          preds: [],
          succs: [],
          x: 0,
        });
        chain.push(items.length - 1);
      }
      chain.push(to);
      for (let k = 1; k < chain.length; k++) link(chain[k - 1], chain[k]);
      chains.push({ from: p, to: n.id, chain });
    }
  }
  const layers = orderLayers(items);
  placeX(items, layers, nodeGap);

  const left = Math.min(...items.map((it) => it.x - it.width / 2));
  for (const it of items) it.x += margin - left;
  const width = Math.max(...items.map((it) => it.x + it.width / 2)) + margin;
  const layerHeight = layers.map((l) => Math.max(0, ...l.map((i) => items[i].height)));
  const layerTop: number[] = [];
  let y = margin;
  for (const h of layerHeight) {
    layerTop.push(y);
    y += h + layerGap;
  }
  const height = y - layerGap + margin;
  const top = (it: Item): number => layerTop[it.layer] + (layerHeight[it.layer] - it.height) / 2;

  const nodes = items
    .filter((it) => it.real)
    .map((it) => ({ id: it.id, layer: it.layer, x: it.x, y: top(it), width: it.width, height: it.height }));
  const edges = chains.map(({ from, to, chain }) => {
    const [s, t] = [items[chain[0]], items[chain[chain.length - 1]]];
    const points: Point[] = [{ x: s.x, y: top(s) + s.height }];
    for (const d of chain.slice(1, -1)) {
      points.push({ x: items[d].x, y: layerTop[items[d].layer] });
      points.push({ x: items[d].x, y: layerTop[items[d].layer] + layerHeight[items[d].layer] });
    }
    points.push({ x: t.x, y: top(t) });
    return { from, to, points };
  });
  return { nodes, edges, width, height, layers: layers.length };
}

function crossingsOf(items: Item[], layers: number[][]): number {
  const pos = new Map<number, number>();
  for (const l of layers) l.forEach((i, k) => pos.set(i, k));
  let total = 0;
  for (let l = 1; l < layers.length; l++) {
    const edges: Array<[number, number]> = [];
    for (const i of layers[l]) for (const p of items[i].preds) edges.push([pos.get(p)!, pos.get(i)!]);
    total += countCrossings(edges);
  }
  return total;
}

function orderLayers(items: Item[]): number[][] {
  const count = Math.max(0, ...items.map((it) => it.layer + 1));
  let layers: number[][] = Array.from({ length: count }, () => []);
  items.forEach((it, i) => layers[it.layer].push(i));
  for (const l of layers) l.sort((a, b) => naturalCompare(items[a].id, items[b].id));
  let best = layers.map((l) => [...l]);
  let bestCrossings = Infinity;
  for (let sweep = 0; sweep < 8; sweep++) {
    const down = sweep % 2 === 0;
    const pos = new Map<number, number>();
    for (const l of layers) l.forEach((i, k) => pos.set(i, k));
    const seq = down ? layers.keys() : [...layers.keys()].reverse();
    for (const l of seq) {
      const bary = new Map<number, number>();
      for (const i of layers[l]) {
        const ns = down ? items[i].preds : items[i].succs;
        bary.set(i, ns.length === 0 ? pos.get(i)! : ns.reduce((a, n) => a + pos.get(n)!, 0) / ns.length);
      }
      // Stable sort: ties keep their current order, which starts as the id order.
      layers[l] = [...layers[l]].sort((a, b) => bary.get(a)! - bary.get(b)!);
      layers[l].forEach((i, k) => pos.set(i, k));
    }
    const c = crossingsOf(items, layers);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => [...l]);
    }
    if (c === 0) break;
    layers = layers.map((l) => [...l]);
  }
  return best;
}

function placeX(items: Item[], layers: number[][], gap: number): void {
  for (const l of layers) {
    let x = 0;
    for (const i of l) {
      items[i].x = x + items[i].width / 2;
      x += items[i].width + gap;
    }
    const shift = (x - gap) / 2;
    for (const i of l) items[i].x -= shift;
  }
  const passes: boolean[] = [true, false, true, false, true];
  for (const down of passes) {
    const seq = down ? [...layers.keys()] : [...layers.keys()].reverse();
    for (const l of seq) {
      const layer = layers[l];
      const desired = layer.map((i) => {
        const ns = down ? items[i].preds : items[i].succs;
        const realNs = items[i].real ? ns.filter((n) => items[n].real) : [];
        const use = realNs.length > 0 ? realNs : ns;
        return use.length === 0 ? items[i].x : use.reduce((a, n) => a + items[n].x, 0) / use.length;
      });
      // Dummies nearly give way: the main path stays straight, a skip runs beside it.
      const weight = layer.map((i) => (items[i].real ? 1 : 0.001));
      placeLayer(
        layer.map((i) => items[i].width),
        desired,
        weight,
        gap,
      ).forEach((x, k) => {
        items[layer[k]].x = x;
      });
    }
  }
}

/**
 * Positions for one layer's items, in their fixed order, as close to the desired ones as the
 * minimum spacing allows: the weighted least-squares fit min Σ wᵢ(xᵢ − dᵢ)² subject to
 * xᵢ₊₁ − xᵢ ≥ (wᵢ + wᵢ₊₁)/2 + gap. Subtracting each item's minimal offset from the first turns
 * it into isotonic regression, solved exactly by pooling adjacent violators. Items that want
 * the same spot share it symmetrically; a light item (a long edge's dummy) yields to a heavy one.
 */
export function placeLayer(
  widths: readonly number[],
  desired: readonly number[],
  weights: readonly number[],
  gap: number,
): number[] {
  const offset: number[] = [];
  widths.forEach((w, i) => offset.push(i === 0 ? 0 : offset[i - 1] + widths[i - 1] / 2 + gap + w / 2));
  const blocks: Array<{ w: number; wt: number; n: number }> = [];
  desired.forEach((d, i) => {
    blocks.push({ w: weights[i], wt: weights[i] * (d - offset[i]), n: 1 });
    while (blocks.length > 1) {
      const [a, b] = [blocks[blocks.length - 2], blocks[blocks.length - 1]];
      if (a.wt / a.w <= b.wt / b.w) break;
      blocks.splice(-2, 2, { w: a.w + b.w, wt: a.wt + b.wt, n: a.n + b.n });
    }
  });
  const x: number[] = [];
  for (const b of blocks) for (let k = 0; k < b.n; k++) x.push(b.wt / b.w + offset[x.length]);
  return x;
}

/** An SVG path through the points: vertical S-curves between layers, straight runs inside them. */
export function edgePath(points: readonly Point[]): string {
  const f = (v: number): string => String(Math.round(v * 10) / 10);
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let k = 1; k < points.length; k++) {
    const [a, b] = [points[k - 1], points[k]];
    if (Math.abs(a.x - b.x) < 0.05) {
      d += ` L${f(b.x)},${f(b.y)}`;
      continue;
    }
    const my = (a.y + b.y) / 2;
    d += ` C${f(a.x)},${f(my)} ${f(b.x)},${f(my)} ${f(b.x)},${f(b.y)}`;
  }
  return d;
}

export interface TreeNode {
  id: string;
  /** The parent's id; null (or an id not in the list) for a root. */
  parent: string | null;
  width: number;
  height: number;
}

interface Contour {
  /** Per depth below the subtree's root (0 = the root), the leftmost and rightmost edge, relative to the root's x. */
  left: number[];
  right: number[];
}

/**
 * A tidy tree layout for a forest (lineage: each candidate has at most one parent), after
 * Reingold & Tilford: subtrees are laid out bottom-up and pushed together until their contours
 * are `nodeGap` apart at every depth, each parent centred over its children. Unlike the layered
 * layout it keeps every family together, however unbalanced the tree. Children go in id order.
 */
export function treeLayout(input: readonly TreeNode[], opts: LayoutOptions = {}): Layout {
  const layerGap = opts.layerGap ?? 32;
  const nodeGap = opts.nodeGap ?? 24;
  const margin = opts.margin ?? 8;
  const byId = new Map(input.map((n) => [n.id, n]));
  const children = new Map<string, string[]>(input.map((n) => [n.id, []]));
  const roots: string[] = [];
  for (const n of input) {
    if (n.parent !== null && byId.has(n.parent) && n.parent !== n.id) children.get(n.parent)!.push(n.id);
    else roots.push(n.id);
  }
  for (const list of children.values()) list.sort(naturalCompare);
  roots.sort(naturalCompare);

  const offset = new Map<string, number>(); // x relative to the parent
  const depthOf = new Map<string, number>();
  const seen = new Set<string>();
  const place = (id: string, depth: number): Contour => {
    seen.add(id);
    depthOf.set(id, depth);
    const w = byId.get(id)!.width;
    const subs = children
      .get(id)!
      .filter((c) => !seen.has(c))
      .map((c) => ({ id: c, contour: place(c, depth + 1) }));
    const merged: Contour = { left: [], right: [] };
    const xs: number[] = [];
    for (const s of subs) {
      let shift = 0;
      if (xs.length > 0) {
        shift = -Infinity;
        for (let d = 0; d < Math.min(merged.right.length, s.contour.left.length); d++) {
          shift = Math.max(shift, merged.right[d] + nodeGap - s.contour.left[d]);
        }
      }
      xs.push(shift);
      s.contour.left.forEach((v, d) => {
        merged.left[d] = d < merged.left.length ? Math.min(merged.left[d], v + shift) : v + shift;
        merged.right[d] =
          d < merged.right.length
            ? Math.max(merged.right[d], s.contour.right[d] + shift)
            : s.contour.right[d] + shift;
      });
    }
    const centre = xs.length > 0 ? (xs[0] + xs[xs.length - 1]) / 2 : 0;
    subs.forEach((s, i) => offset.set(s.id, xs[i] - centre));
    return {
      left: [-w / 2, ...merged.left.map((v) => v - centre)],
      right: [w / 2, ...merged.right.map((v) => v - centre)],
    };
  };
  // Roots side by side, like children of an invisible super-root. Nodes on a cycle of parent
  // links are reachable from no root; they are laid out as roots rather than lost.
  const rootX = new Map<string, number>();
  let acc: number[] = [];
  const addRoot = (r: string): void => {
    const c = place(r, 0);
    let shift = 0;
    if (acc.length > 0) {
      shift = -Infinity;
      for (let d = 0; d < Math.min(acc.length, c.left.length); d++)
        shift = Math.max(shift, acc[d] + nodeGap - c.left[d]);
    }
    rootX.set(r, shift);
    acc = c.right.map((v, d) => Math.max(acc[d] ?? -Infinity, v + shift)).concat(acc.slice(c.right.length));
  };
  for (const r of roots) if (!seen.has(r)) addRoot(r);
  for (const n of input) if (!seen.has(n.id)) addRoot(n.id);

  const x = new Map<string, number>();
  const resolve = (id: string, base: number): void => {
    x.set(id, base);
    for (const c of children.get(id)!) if (offset.has(c) && !x.has(c)) resolve(c, base + offset.get(c)!);
  };
  for (const [r, rx] of rootX) resolve(r, rx);

  const depths = Math.max(0, ...depthOf.values()) + 1;
  const rowHeight = Array.from({ length: depths }, () => 0);
  for (const n of input) rowHeight[depthOf.get(n.id)!] = Math.max(rowHeight[depthOf.get(n.id)!], n.height);
  const rowTop: number[] = [];
  let y = margin;
  for (const h of rowHeight) {
    rowTop.push(y);
    y += h + layerGap;
  }
  const left = Math.min(...input.map((n) => x.get(n.id)! - n.width / 2));
  const nodes: PlacedNode[] = input.map((n) => {
    const d = depthOf.get(n.id)!;
    return {
      id: n.id,
      layer: d,
      x: x.get(n.id)! - left + margin,
      y: rowTop[d] + (rowHeight[d] - n.height) / 2,
      width: n.width,
      height: n.height,
    };
  });
  const placed = new Map(nodes.map((n) => [n.id, n]));
  const edges: RoutedEdge[] = [];
  for (const n of nodes) {
    for (const c of children.get(n.id)!) {
      const k = placed.get(c)!;
      if (k.layer !== n.layer + 1) continue;
      edges.push({
        from: n.id,
        to: c,
        points: [
          { x: n.x, y: n.y + n.height },
          { x: k.x, y: k.y },
        ],
      });
    }
  }
  const width = Math.max(0, ...nodes.map((n) => n.x + n.width / 2)) + margin;
  return { nodes, edges, width, height: y - layerGap + margin, layers: depths };
}
