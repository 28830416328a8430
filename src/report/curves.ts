/**
 * The report's learning curves: loss and accuracy per epoch for the leading candidates, and
 * the seed's "Figure 3" — accuracy through every stage of a growth path (seed → … → best),
 * epochs laid end to end with a numbered marker where each mutation applied.
 */
import { TrainRow } from '../log';
import { lineChart, Series } from './chart';
import { seriesColor } from './color';
import { formatMetric, formatPercent } from './format';
import { epochRows, Standing } from './standing';
import { Markup } from './svg';

const percentAxis = (v: number): string => `${Math.round(v * 1000) / 10}%`;
const metricPoints = (
  rows: readonly TrainRow[],
  pick: (r: TrainRow) => number | null,
): Array<[number, number]> =>
  rows.flatMap((r) => {
    const v = pick(r);
    return v === null ? [] : [[r.epoch, v] as [number, number]];
  });

const STYLE_LEGEND = [
  { label: 'validation', color: '#555' },
  { label: 'training', color: '#555', dashed: true },
];

/** Loss and accuracy charts for the given candidates (their best runs), one colour each. */
export function learningCurves(
  leaders: readonly Standing[],
  idPrefix: string,
): { loss: Markup; accuracy: Markup } {
  const plotted = leaders.filter((s) => s.bestRun !== null && epochRows(s.bestRun.rows).length > 0);
  const series = (
    valPick: (r: TrainRow) => number | null,
    trainPick: (r: TrainRow) => number | null,
  ): Series[] =>
    plotted.flatMap((s, i) => {
      const rows = epochRows(s.bestRun!.rows);
      return [
        { name: `${s.id} validation`, color: seriesColor(i), points: metricPoints(rows, valPick) },
        {
          name: `${s.id} training`,
          color: seriesColor(i),
          points: metricPoints(rows, trainPick),
          dashed: true,
        },
      ];
    });
  const legend = [...plotted.map((s, i) => ({ label: s.id, color: seriesColor(i) })), ...STYLE_LEGEND];
  return {
    loss: lineChart(
      series(
        (r) => r.valLoss,
        (r) => r.loss,
      ),
      {
        title: 'Loss',
        xLabel: 'epoch',
        yLabel: 'loss',
        idPrefix: `${idPrefix}-loss`,
        xInteger: true,
        clipOutliers: true,
        yFormat: formatMetric,
        legend,
      },
    ),
    accuracy: lineChart(
      series(
        (r) => r.valAcc,
        (r) => r.acc,
      ),
      {
        title: 'Accuracy',
        xLabel: 'epoch',
        yLabel: 'accuracy',
        idPrefix: `${idPrefix}-acc`,
        xInteger: true,
        yFormat: percentAxis,
        legend,
      },
    ),
  };
}

export interface GrowthStage {
  standing: Standing;
  /** First epoch of this stage on the joined axis, and how many epochs it trained. */
  offset: number;
  epochs: number;
}

/** The stages of a path laid end to end: stage k's epoch e sits at offset_k + e. */
export function growthStages(path: readonly Standing[]): GrowthStage[] {
  let offset = 0;
  return path.map((standing) => {
    const rows = standing.bestRun ? epochRows(standing.bestRun.rows) : [];
    const epochs = rows.length > 0 ? Math.max(...rows.map((r) => r.epoch)) : 0;
    const stage = { standing, offset, epochs };
    offset += epochs;
    return stage;
  });
}

export function growthChart(stages: readonly GrowthStage[], idPrefix: string): Markup {
  const joined = (pick: (r: TrainRow) => number | null): Array<[number, number]> =>
    stages.flatMap((st) =>
      metricPoints(st.standing.bestRun ? epochRows(st.standing.bestRun.rows) : [], pick).map(
        ([e, v]) => [st.offset + e, v] as [number, number],
      ),
    );
  return lineChart(
    [
      { name: 'validation accuracy', color: seriesColor(0), points: joined((r) => r.valAcc) },
      { name: 'training accuracy', color: seriesColor(1), points: joined((r) => r.acc), dashed: true },
    ],
    {
      title: 'Accuracy at every stage of the growth path',
      xLabel: 'epoch (all stages end to end)',
      yLabel: 'accuracy',
      idPrefix,
      width: 1000,
      xInteger: true,
      yFormat: percentAxis,
      markers: stages.map((st, i) => ({
        x: st.offset + 0.5,
        label: String(i + 1),
        title: `stage ${i + 1}: ${st.standing.id}${st.standing.operation ? ` (${st.standing.operation})` : ''}, best val acc ${formatPercent(st.standing.valAcc)}`,
      })),
    },
  );
}
