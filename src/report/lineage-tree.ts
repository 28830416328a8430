/**
 * The family tree of a search (the seed's "Vis"): one box per candidate, coloured by its
 * validation accuracy relative to the rest of the experiment, an edge from each parent with
 * the command(s) that made the child written where the edge enters it. Failed, diverged,
 * running and untrained candidates keep their place in the tree with a dashed outline.
 */
import { metricColor, rampColor } from './color';
import { formatCount, formatPercent } from './format';
import { edgePath, treeLayout } from './layout';
import { Standing } from './standing';
import { el, fragment, Markup, svgDocument, truncate, wrap } from './svg';

const BOX = { width: 160, height: 42 };
const LEGEND_HEIGHT = 40;
const LABEL_SIZE = 10.5;

const OUTLINE: Record<Standing['status'], { stroke: string; dash?: string }> = {
  completed: { stroke: '#555' },
  stopped: { stroke: '#555' },
  running: { stroke: '#1f6feb', dash: '4 3' },
  diverged: { stroke: '#c62828', dash: '4 3' },
  failed: { stroke: '#c62828', dash: '2 2' },
  untrained: { stroke: '#888', dash: '2 3' },
};

function tooltip(s: Standing): string {
  return [
    `candidate ${s.id}`,
    s.parent ? `parent ${s.parent}` : 'no parent (a starting network)',
    s.operation ? `operation: ${s.operation}` : null,
    `status ${s.status}`,
    `val acc ${formatPercent(s.valAcc)}`,
    s.testAcc !== null ? `test acc ${formatPercent(s.testAcc)}` : null,
    `params ${formatCount(s.params)}`,
    s.generation !== null ? `generation ${s.generation}` : null,
  ]
    .filter((x) => x !== null)
    .join('\n');
}

function legend(lo: number | null, hi: number | null): Markup {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) =>
    el('stop', { offset: `${t * 100}%`, 'stop-color': rampColor(t) }),
  );
  const swatch = (x: number, status: Standing['status'], label: string): Markup =>
    fragment(
      el('rect', {
        x,
        y: 8,
        width: 18,
        height: 12,
        rx: 3,
        fill: '#fff',
        stroke: OUTLINE[status].stroke,
        'stroke-dasharray': OUTLINE[status].dash,
        'stroke-width': 1.5,
      }),
      el('text', { x: x + 24, y: 18, 'font-size': 11, fill: '#333' }, label),
    );
  return fragment(
    el('defs', {}, el('linearGradient', { id: 'lineage-ramp' }, stops)),
    el('text', { x: 8, y: 18, 'font-size': 11, fill: '#333' }, 'val acc'),
    el(
      'text',
      { x: 96, y: 18, 'font-size': 11, fill: '#333', 'text-anchor': 'end' },
      lo === null ? '—' : formatPercent(lo, 1),
    ),
    el('rect', { x: 100, y: 8, width: 100, height: 12, fill: 'url(#lineage-ramp)', stroke: '#999' }),
    el('text', { x: 204, y: 18, 'font-size': 11, fill: '#333' }, hi === null ? '—' : formatPercent(hi, 1)),
    swatch(270, 'running', 'running'),
    swatch(350, 'diverged', 'diverged'),
    swatch(434, 'failed', 'failed'),
    swatch(504, 'untrained', 'not trained'),
    el('rect', {
      x: 600,
      y: 8,
      width: 18,
      height: 12,
      rx: 3,
      fill: '#fff',
      stroke: '#111',
      'stroke-width': 3,
    }),
    el('text', { x: 624, y: 18, 'font-size': 11, fill: '#333' }, 'best'),
  );
}

export function drawLineageTree(standings: readonly Standing[], bestId: string | null): Markup {
  const ids = new Set(standings.map((s) => s.id));
  const layout = treeLayout(
    standings.map((s) => ({ id: s.id, parent: s.parent, ...BOX })),
    // The margin leaves room for edge labels, which may be a little wider than their box.
    { layerGap: 48, nodeGap: 28, margin: 18 },
  );
  const byId = new Map(standings.map((s) => [s.id, s]));
  const accs = standings.map((s) => s.valAcc).filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = accs.length > 0 ? Math.min(...accs) : null;
  const hi = accs.length > 0 ? Math.max(...accs) : null;
  const dy = LEGEND_HEIGHT;

  const edges = layout.edges.map((e) =>
    el('path', {
      d: edgePath(e.points.map((p) => ({ x: p.x, y: p.y + dy }))),
      fill: 'none',
      stroke: '#888',
      'stroke-width': 1.5,
    }),
  );
  const nodes = layout.nodes.map((n) => {
    const s = byId.get(n.id)!;
    const left = n.x - n.width / 2;
    const top = n.y + dy;
    const outline = OUTLINE[s.status];
    const isBest = s.id === bestId;
    const second =
      s.valAcc !== null
        ? `${formatPercent(s.valAcc)} · ${formatCount(s.params)} params`
        : `${s.status === 'untrained' ? 'not trained' : s.status} · ${formatCount(s.params)} params`;
    // The operation that made the child sits where its edge arrives, haloed over the line.
    const opText = s.operation && !(s.parent === null && s.operation === 'init') ? s.operation : null;
    const label =
      opText === null
        ? null
        : wrap(
            s.parent !== null && !ids.has(s.parent) ? `from ${s.parent}: ${opText}` : opText,
            n.width + 20,
            LABEL_SIZE,
            2,
          );
    return el(
      'g',
      { class: 'candidate' },
      el('title', {}, tooltip(s)),
      label &&
        el(
          'text',
          {
            x: n.x,
            'font-size': LABEL_SIZE,
            'text-anchor': 'middle',
            fill: '#333',
            stroke: '#fff',
            'stroke-width': 3,
            'paint-order': 'stroke',
          },
          label.map((line, i) => el('tspan', { x: n.x, y: top - 6 - (label.length - 1 - i) * 12 }, line)),
        ),
      el('rect', {
        x: left,
        y: top,
        width: n.width,
        height: n.height,
        rx: 5,
        fill: metricColor(s.valAcc, lo ?? 0, hi ?? 1),
        stroke: isBest ? '#111' : outline.stroke,
        'stroke-width': isBest ? 3 : 1.5,
        'stroke-dasharray': isBest ? undefined : outline.dash,
      }),
      el(
        'text',
        { x: n.x, y: top + 17, 'text-anchor': 'middle', 'font-size': 12.5, 'font-weight': 600, fill: '#111' },
        truncate(isBest ? `★ ${s.id}` : s.id, n.width - 10, 12.5),
      ),
      el(
        'text',
        { x: n.x, y: top + 33, 'text-anchor': 'middle', 'font-size': 11, fill: '#222' },
        truncate(second, n.width - 10, 11),
      ),
    );
  });
  return svgDocument(Math.max(layout.width, 680), layout.height + dy, legend(lo, hi), edges, nodes);
}
