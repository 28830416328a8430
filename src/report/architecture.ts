/**
 * Drawings of a network: layers as boxes (kind, stable id and positional name, output shape,
 * parameters), edges top to bottom, skip connections and branches routed beside the main path
 * by the layered layout. An activation that only follows one conv/dense/batchnorm is folded
 * into that box — half the boxes, the same information. Against the parent's graph, nodes the
 * last mutation added (ids the parent lacks; ids are stable across morphisms) are outlined
 * green and nodes whose settings it changed (a wider conv, a larger kernel) amber.
 */
import { Graph, GraphNode, positionalNames, summarize } from '../graph';
import { consumersMap } from '../graph/dag';
import { assertNever } from '../graph/errors';
import { formatCount, formatShape } from './format';
import { edgePath, layeredLayout } from './layout';
import { el, Markup, svgDocument, textWidth, truncate } from './svg';

export type Change = 'new' | 'changed' | 'same';

export interface ArchBox {
  /** The box's main node; `members` adds an activation folded into it. */
  id: string;
  members: string[];
  inputs: string[];
  kind: GraphNode['kind'];
  title: string;
  name: string;
  shape: number[];
  params: number;
  change: Change;
}

export interface GraphDiff {
  added: string[];
  changed: string[];
  removed: string[];
}

function settings(n: GraphNode): string {
  const { id: _id, inputs: _inputs, ...rest } = n;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/** What a child's graph changed relative to its parent's, by stable node id. */
export function diffGraphs(child: Graph, parent: Graph): GraphDiff {
  const before = new Map(parent.nodes.map((n) => [n.id, n]));
  const after = new Set(child.nodes.map((n) => n.id));
  return {
    added: child.nodes.filter((n) => !before.has(n.id)).map((n) => n.id),
    changed: child.nodes
      .filter((n) => before.has(n.id) && settings(before.get(n.id)!) !== settings(n))
      .map((n) => n.id),
    removed: parent.nodes.filter((n) => !after.has(n.id)).map((n) => n.id),
  };
}

/** One line that says what a node computes: "conv2d 64 3×3 /2", "max pool 2×2", "relu". */
export function describeNode(n: GraphNode): string {
  switch (n.kind) {
    case 'input':
      return 'input';
    case 'conv2d':
      return `conv2d ${n.filters} ${n.kernel}×${n.kernel}${n.stride !== 1 ? ` /${n.stride}` : ''}${n.padding === 'valid' ? ' valid' : ''}`;
    case 'dense':
      return `dense ${n.units}`;
    case 'activation':
      return n.fn;
    case 'batchnorm':
      return 'batch norm';
    case 'dropout':
      return `dropout ${n.rate}`;
    case 'maxpool2d':
    case 'avgpool2d': {
      const stride = n.stride !== undefined && n.stride !== n.pool ? ` /${n.stride}` : '';
      return `${n.kind === 'maxpool2d' ? 'max' : 'avg'} pool ${n.pool}×${n.pool}${stride}${n.padding === 'same' ? ' same' : ''}`;
    }
    case 'globalmaxpool':
      return 'global max pool';
    case 'globalavgpool':
      return 'global avg pool';
    case 'flatten':
    case 'add':
    case 'concat':
      return n.kind;
    case 'slice':
      return `slice channels ${n.begin}–${n.begin + n.size - 1}`;
    default:
      return assertNever(n, 'node');
  }
}

/** The boxes to draw: nodes in canonical order, single-consumer activations folded into their producer. */
export function architectureBoxes(g: Graph, parent: Graph | null = null): ArchBox[] {
  const rows = new Map(summarize(g).map((r) => [r.id, r]));
  const names = positionalNames(g);
  const consumers = consumersMap(g.nodes);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const diff = parent ? diffGraphs(g, parent) : { added: [], changed: [], removed: [] };
  const change = (id: string): Change =>
    diff.added.includes(id) ? 'new' : diff.changed.includes(id) ? 'changed' : 'same';
  const hostOf = new Map<string, string>();
  for (const n of g.nodes) {
    if (n.kind !== 'activation') continue;
    const host = byId.get(n.inputs[0]);
    if (
      host &&
      ['conv2d', 'dense', 'batchnorm'].includes(host.kind) &&
      consumers.get(host.id)!.length === 1
    ) {
      hostOf.set(n.id, host.id);
    }
  }
  const boxOf = (id: string): string => hostOf.get(id) ?? id;
  return g.nodes
    .filter((n) => !hostOf.has(n.id))
    .map((n) => {
      const folded = g.nodes.find((a) => hostOf.get(a.id) === n.id);
      const members = folded ? [n.id, folded.id] : [n.id];
      const changes = members.map(change);
      const pos = names.get(n.id);
      return {
        id: n.id,
        members,
        inputs: n.inputs.map(boxOf),
        kind: n.kind,
        title: folded ? `${describeNode(n)} + ${describeNode(folded)}` : describeNode(n),
        name: pos && pos !== n.id ? `${n.id} · ${pos}` : n.id === describeNode(n) ? '' : n.id,
        shape: rows.get(folded?.id ?? n.id)!.outputShape,
        params: members.reduce((a, id) => a + rows.get(id)!.params, 0),
        change: changes.includes('new') ? 'new' : changes.includes('changed') ? 'changed' : 'same',
      };
    });
}

const FILL: Record<GraphNode['kind'], string> = {
  input: '#ffffff',
  conv2d: '#dbe9f6',
  dense: '#e8def3',
  activation: '#f5f5f5',
  batchnorm: '#eeeeee',
  dropout: '#eeeeee',
  maxpool2d: '#e1f0dc',
  avgpool2d: '#e1f0dc',
  globalmaxpool: '#e1f0dc',
  globalavgpool: '#e1f0dc',
  flatten: '#fdecd2',
  add: '#fdecd2',
  concat: '#fdecd2',
  slice: '#fdecd2',
};
const CHANGE_STROKE: Record<Change, string> = { new: '#1a7f37', changed: '#bf8700', same: '#8a8a8a' };
const BOX = { width: 200, height: 52 };

/** A pill with the change's name, right-aligned at `right`, straddling the box's top edge. */
function badge(right: number, top: number, change: Change): Markup {
  const width = textWidth(change, 10) + 12;
  return el(
    'g',
    {},
    el('rect', { x: right - width, y: top, width, height: 15, rx: 7, fill: CHANGE_STROKE[change] }),
    el(
      'text',
      {
        x: right - width / 2,
        y: top + 11,
        'text-anchor': 'middle',
        'font-size': 10,
        'font-weight': 600,
        fill: '#fff',
      },
      change,
    ),
  );
}

export interface ArchitectureOptions {
  parent?: Graph | null;
  /** Unique within the page (marker and element ids share one namespace). */
  idPrefix: string;
}

export function drawArchitecture(g: Graph, o: ArchitectureOptions): Markup {
  const boxes = architectureBoxes(g, o.parent ?? null);
  const layout = layeredLayout(
    boxes.map((b) => ({ id: b.id, inputs: b.inputs, ...BOX })),
    { layerGap: 24, nodeGap: 26, edgeWidth: 10, margin: 12 },
  );
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const edges = layout.edges.map((e) => {
    const end = e.points[e.points.length - 1];
    return el(
      'g',
      {},
      el('path', {
        d: edgePath(e.points.map((p, i) => (i === e.points.length - 1 ? { x: p.x, y: p.y - 5 } : p))),
        fill: 'none',
        stroke: '#777',
        'stroke-width': 1.4,
      }),
      el('polygon', {
        points: `${end.x - 4},${end.y - 7} ${end.x + 4},${end.y - 7} ${end.x},${end.y}`,
        fill: '#777',
      }),
    );
  });
  const nodes = layout.nodes.map((n) => {
    const b = byId.get(n.id)!;
    const left = n.x - n.width / 2;
    const third = `${formatShape(b.shape)}${b.params > 0 ? ` · ${formatCount(b.params)} params` : ''}`;
    const highlighted = b.change !== 'same';
    return el(
      'g',
      { class: `layer ${b.change}` },
      el(
        'title',
        {},
        [
          `${b.title}`,
          `id ${b.members.join(' + ')}`,
          `output ${formatShape(b.shape)}`,
          `${b.params} params`,
          highlighted ? `${b.change} in this candidate` : null,
        ]
          .filter(Boolean)
          .join('\n'),
      ),
      el('rect', {
        x: left,
        y: n.y,
        width: n.width,
        height: n.height,
        rx: 6,
        fill: FILL[b.kind],
        stroke: CHANGE_STROKE[b.change],
        'stroke-width': highlighted ? 3 : 1,
      }),
      // Two lines sit lower when there is no id line, so the box does not look half empty.
      el(
        'text',
        {
          x: n.x,
          y: n.y + (b.name ? 16 : 22),
          'text-anchor': 'middle',
          'font-size': 12.5,
          'font-weight': 600,
          fill: '#111',
        },
        truncate(b.title, n.width - 12, 12.5),
      ),
      b.name &&
        el(
          'text',
          { x: n.x, y: n.y + 31, 'text-anchor': 'middle', 'font-size': 11, fill: '#333' },
          truncate(b.name, n.width - 12, 11),
        ),
      el(
        'text',
        { x: n.x, y: n.y + (b.name ? 45 : 39), 'text-anchor': 'middle', 'font-size': 11, fill: '#555' },
        truncate(third, n.width - 12, 11),
      ),
      highlighted && badge(left + n.width - 4, n.y - 10, b.change),
    );
  });
  return svgDocument(layout.width, layout.height, el('g', { id: `${o.idPrefix}-edges` }, edges), nodes);
}
