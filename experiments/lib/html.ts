/**
 * The driver's HTML report: provenance cards, the figures table, the comparisons with their
 * Welch's t-test verdicts, and validation-accuracy curves (each group's mean over seeds, solid, and
 * every seed's run, dashed). Drawn with src/report's page shell and charts, so it is one
 * self-contained file like a search's report.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seriesColor } from '../../src/report/color';
import { lineChart, Series } from '../../src/report/chart';
import { card, figure, hint, renderPage } from '../../src/report/page';
import { el } from '../../src/report/svg';
import { formatWall } from './results-md';
import { formatSpread } from './stats';
import { Summary } from './summary';
import { EpochPoint, RunRecord } from './training';

export interface CurveChart {
  title: string;
  /** The groups drawn, in legend order. */
  groups: readonly string[];
  /** Which curve of a run (default validation accuracy). */
  metric?: (p: EpochPoint) => number | null;
  yLabel?: string;
  /** The x axis (default `epoch`: a curve's points are per epoch unless a driver says otherwise). */
  xLabel?: string;
  /** Epochs a run's curve is shifted by (a stage that starts after its parent's epochs). */
  offset?: (run: RunRecord) => number;
}

export function meanCurve(
  runs: readonly RunRecord[],
  metric: (p: EpochPoint) => number | null,
  offset = 0,
): [number, number][] {
  const byEpoch = new Map<number, number[]>();
  for (const r of runs)
    for (const p of r.curve) {
      const v = metric(p);
      if (v !== null) byEpoch.set(p.epoch, [...(byEpoch.get(p.epoch) ?? []), v]);
    }
  return [...byEpoch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([e, vs]) => [e + offset, vs.reduce((a, b) => a + b, 0) / vs.length]);
}

export async function writeHtmlReport(
  out: string,
  s: Summary,
  charts: readonly CurveChart[],
): Promise<string> {
  const metrics = [...new Set(s.groups.flatMap((g) => Object.keys(g.spread)))];
  const table = el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', {}, 'group'),
        metrics.map((m) => el('th', { class: 'num' }, m)),
      ),
    ),
    el(
      'tbody',
      {},
      s.groups.map((g) =>
        el(
          'tr',
          {},
          el('td', {}, g.group),
          metrics.map((m) =>
            el('td', { class: 'num' }, g.spread[m] ? formatSpread(g.spread[m], /wall/.test(m) ? 1 : 4) : '—'),
          ),
        ),
      ),
    ),
  );
  const chartMarkup = charts.map((c, i) => {
    const metric = c.metric ?? ((p: EpochPoint) => p.valAcc);
    const series: Series[] = c.groups.flatMap((group, gi) => {
      const runs = s.runs.filter((r) => r.group === group);
      const color = seriesColor(gi);
      const offset = (r: RunRecord) => c.offset?.(r) ?? 0;
      return [
        { name: `${group} (mean)`, color, points: meanCurve(runs, metric, runs[0] ? offset(runs[0]) : 0) },
        ...runs.map((r) => ({
          name: `${group} seed ${r.seed}`,
          color,
          dashed: true,
          points: r.curve.flatMap((p) => {
            const v = metric(p);
            return v === null ? [] : [[p.epoch + offset(r), v] as const];
          }),
        })),
      ];
    });
    const legend = c.groups.map((g, gi) => ({ label: g, color: seriesColor(gi) }));
    return figure(
      null,
      lineChart(series, {
        title: c.title,
        xLabel: c.xLabel ?? 'epoch',
        yLabel: c.yLabel ?? 'validation accuracy',
        idPrefix: `chart${i}`,
        xInteger: true,
        width: 720,
        height: 380,
        yFormat: (v) => v.toFixed(3),
        legend,
      }),
      'solid: mean over seeds; dashed: each seed',
    );
  });
  const html = renderPage({
    title: s.title,
    subtitle: `${s.experiment} · ${s.startedAt} · ${s.full ? 'full size' : 'scaled down'}`,
    notes: s.notes,
    sections: [
      {
        id: 'setup',
        title: 'Setup',
        body: [
          el(
            'div',
            { class: 'cards' },
            card(
              'wall time',
              formatWall(s.wallSeconds),
              `load ${s.machine.loadStart} → ${s.machine.loadEnd}`,
            ),
            card(
              'backend',
              s.backend.name,
              s.backend.tensorflow ? `TensorFlow ${s.backend.tensorflow}` : null,
            ),
            card(
              'data',
              s.dataset.name,
              `${s.dataset.train} train / ${s.dataset.val} val / ${s.dataset.test} test`,
            ),
            card('seeds', String(s.seeds), 'mean ± sample std over seeds'),
          ),
          el('pre', {}, s.command),
          el('pre', {}, JSON.stringify(s.scale, null, 2)),
        ],
      },
      { id: 'figures', title: 'Figures', body: [table] },
      {
        id: 'comparisons',
        title: 'Comparisons',
        body: [
          hint(
            "A difference counts when Welch's two-sided t-test over seeds gives p < 0.05; with 3 seeds a side the test has little power.",
          ),
          el(
            'ul',
            {},
            s.comparisons.map((c) => el('li', {}, c.sentence)),
          ),
        ],
      },
      { id: 'curves', title: 'Curves', body: el('div', { class: 'row' }, chartMarkup) },
    ],
    footer: `netgrow experiment summary: ${join(out, 'summary.json')}`,
  });
  const dir = join(out, 'report');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'index.html');
  await writeFile(file, html);
  return file;
}
