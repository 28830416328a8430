/**
 * SVG line charts: axes with nice ticks, one polyline per series, a legend, optional vertical
 * markers (the stages of a grow plan). Values that are NaN or infinite — a diverged run —
 * break the line and are marked with a red × at the top of the plot instead of being dropped
 * silently; a loss spike far above the rest is clipped so the rest of the curve stays legible.
 */
import { linearScale, niceDomain } from './scale';
import { el, fragment, Markup, svgDocument, textWidth, truncate } from './svg';

export interface Series {
  name: string;
  color: string;
  /** [x, y] pairs in x order; y may be NaN or ±Infinity. */
  points: ReadonlyArray<readonly [number, number]>;
  dashed?: boolean;
}

export interface Marker {
  x: number;
  label: string;
  /** Tooltip text. */
  title?: string;
}

export interface LegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Unique within the page: clip-path ids live in the document's id namespace. */
  idPrefix: string;
  width?: number;
  height?: number;
  yFormat?: (v: number) => string;
  /** Tick labels of the x axis (default: the number as it is). */
  xFormat?: (v: number) => string;
  /** Ticks on whole numbers only (epochs). */
  xInteger?: boolean;
  /** Cap the y axis near the bulk of the data when a few values are far above it. */
  clipOutliers?: boolean;
  markers?: readonly Marker[];
  /** Defaults to one entry per series. */
  legend?: readonly LegendEntry[];
}

const PAD = { left: 58, right: 18, top: 34, bottom: 40 };

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The y range to show: all finite values, or (clipOutliers) up to 8 times the lower three quarters' spread. */
export function yExtent(values: readonly number[], clipOutliers: boolean): [number, number] | null {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const lo = finite[0];
  let hi = finite[finite.length - 1];
  if (clipOutliers && finite.length >= 4) {
    // Far above the upper quartile: a divergence spike, not the first epochs of a healthy run.
    const cap = lo + 8 * (quantile(finite, 0.75) - lo);
    if (cap > lo && hi > cap) hi = cap;
  }
  return [lo, hi];
}

function legendRows(
  entries: readonly LegendEntry[],
  width: number,
): Array<Array<LegendEntry & { x: number }>> {
  const rows: Array<Array<LegendEntry & { x: number }>> = [[]];
  let x = 0;
  for (const e of entries) {
    const w = 28 + textWidth(truncate(e.label, 220, 11), 11) + 16;
    if (x > 0 && x + w > width) {
      rows.push([]);
      x = 0;
    }
    rows[rows.length - 1].push({ ...e, x });
    x += w;
  }
  return rows.filter((r) => r.length > 0);
}

export function lineChart(series: readonly Series[], o: ChartOptions): Markup {
  const width = o.width ?? 560;
  const plotHeight = (o.height ?? 320) - PAD.top - PAD.bottom;
  const legend = legendRows(
    o.legend ?? series.map((s) => ({ label: s.name, color: s.color, dashed: s.dashed })),
    width - PAD.left - PAD.right,
  );
  const height = PAD.top + plotHeight + PAD.bottom + legend.length * 18 + (legend.length ? 6 : 0);
  const fmt = o.yFormat ?? ((v: number) => String(v));
  const [x0, x1] = [PAD.left, width - PAD.right];
  const [y0, y1] = [PAD.top + plotHeight, PAD.top];
  const title = el('text', { x: PAD.left, y: 20, 'font-size': 14, 'font-weight': 600 }, o.title);

  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter(Number.isFinite);
  const ext = yExtent(
    series.flatMap((s) => s.points.map((p) => p[1])),
    o.clipOutliers ?? false,
  );
  if (xs.length === 0 || ext === null) {
    const msg = el(
      'text',
      { x: width / 2, y: PAD.top + plotHeight / 2, 'text-anchor': 'middle', fill: '#777', 'font-size': 13 },
      'no data yet',
    );
    return svgDocument(width, PAD.top + plotHeight + PAD.bottom, title, msg);
  }
  const xd = niceDomain(Math.min(...xs), Math.max(...xs), 8);
  let xTicks = xd.ticks;
  if (o.xInteger && xd.step < 1) {
    const lo = Math.floor(xd.domain[0]);
    const hi = Math.max(lo + 1, Math.ceil(xd.domain[1]));
    xTicks = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  }
  const sx = linearScale([xTicks[0], xTicks[xTicks.length - 1]], [x0, x1]);
  const yd = niceDomain(ext[0], ext[1], 5);
  const sy = linearScale(yd.domain, [y0, y1]);
  const clipId = `${o.idPrefix}-clip`;

  const grid = fragment(
    yd.ticks.map((t) =>
      fragment(
        el('line', { x1: x0, x2: x1, y1: sy(t), y2: sy(t), stroke: '#e6e6e6' }),
        el('text', { x: x0 - 6, y: sy(t) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#555' }, fmt(t)),
      ),
    ),
    xTicks.map((t) =>
      fragment(
        el('line', { x1: sx(t), x2: sx(t), y1: y0, y2: y0 + 4, stroke: '#888' }),
        el(
          'text',
          { x: sx(t), y: y0 + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#555' },
          (o.xFormat ?? String)(t),
        ),
      ),
    ),
    el('line', { x1: x0, x2: x1, y1: y0, y2: y0, stroke: '#888' }),
    el('line', { x1: x0, x2: x0, y1: y0, y2: y1, stroke: '#888' }),
    el(
      'text',
      { x: (x0 + x1) / 2, y: y0 + 32, 'text-anchor': 'middle', 'font-size': 12, fill: '#333' },
      o.xLabel,
    ),
    el(
      'text',
      {
        x: 14,
        y: (y0 + y1) / 2,
        'text-anchor': 'middle',
        'font-size': 12,
        fill: '#333',
        transform: `rotate(-90 14 ${(y0 + y1) / 2})`,
      },
      o.yLabel,
    ),
  );

  const markers = (o.markers ?? []).map((m) =>
    el(
      'g',
      {},
      el('title', {}, m.title ?? m.label),
      el('line', { x1: sx(m.x), x2: sx(m.x), y1: y0, y2: y1, stroke: '#999', 'stroke-dasharray': '3 3' }),
      el('rect', { x: sx(m.x) - 9, y: y1 - 2, width: 18, height: 14, rx: 3, fill: '#fff', stroke: '#999' }),
      el('text', { x: sx(m.x), y: y1 + 9, 'text-anchor': 'middle', 'font-size': 10, fill: '#333' }, m.label),
    ),
  );

  const lines = series.map((s) => {
    const segments: string[][] = [[]];
    const bad: number[] = [];
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x)) continue;
      if (!Number.isFinite(y)) {
        bad.push(x);
        segments.push([]);
        continue;
      }
      segments[segments.length - 1].push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    }
    const dots = s.points.length <= 40;
    return el(
      'g',
      {},
      segments
        .filter((seg) => seg.length > 0)
        .map((seg) =>
          el('polyline', {
            points: seg.join(' '),
            fill: 'none',
            stroke: s.color,
            'stroke-width': 2,
            'stroke-dasharray': s.dashed ? '5 4' : undefined,
            'stroke-linejoin': 'round',
          }),
        ),
      dots &&
        s.points
          .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
          .map(([x, y]) =>
            el(
              'circle',
              { cx: sx(x), cy: sy(y), r: 2.5, fill: s.dashed ? '#fff' : s.color, stroke: s.color },
              el('title', {}, `${s.name} · ${o.xLabel} ${(o.xFormat ?? String)(x)}: ${fmt(y)}`),
            ),
          ),
      bad.map((x) =>
        el(
          'text',
          {
            x: sx(x),
            y: y1 + 10,
            'text-anchor': 'middle',
            'font-size': 13,
            fill: '#c00',
            'font-weight': 700,
          },
          el('title', {}, `${s.name} · ${o.xLabel} ${x}: not a finite number (diverged)`),
          '×',
        ),
      ),
    );
  });

  const legendY = y0 + PAD.bottom + 6;
  const legendMarkup = legend.map((row, r) =>
    row.map((e) =>
      el(
        'g',
        { transform: `translate(${PAD.left + e.x} ${legendY + r * 18})` },
        el('line', {
          x1: 0,
          x2: 22,
          y1: 0,
          y2: 0,
          stroke: e.color,
          'stroke-width': 2,
          'stroke-dasharray': e.dashed ? '5 4' : undefined,
        }),
        el(
          'text',
          { x: 28, y: 4, 'font-size': 11, fill: '#333' },
          el('title', {}, e.label),
          truncate(e.label, 220, 11),
        ),
      ),
    ),
  );

  return svgDocument(
    width,
    height,
    el(
      'defs',
      {},
      el('clipPath', { id: clipId }, el('rect', { x: x0, y: y1 - 4, width: x1 - x0, height: y0 - y1 + 8 })),
    ),
    title,
    grid,
    el('g', { 'clip-path': `url(#${clipId})` }, lines),
    markers,
    legendMarkup,
  );
}
