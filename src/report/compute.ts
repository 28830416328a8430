/**
 * Validation accuracy against the compute spent to get there, for the question growth has to
 * answer: does the grown winner reach an accuracy with less compute than the alternatives?
 * One x axis per kind of cost — training FLOPs (result.json `trainFlops`) or training seconds —
 * and three kinds of curve on it:
 * - the grown lineage: the winner's growth path, each stage's epochs placed after everything
 *   its ancestors cost (every run counted: a diverged retry moves the next stage right);
 * - the continue controls along that path: the parent unchanged, trained on from the same
 *   point, the same generation as the path's child (`controls.continue`);
 * - the scratch control: the winner's architecture from random weights.
 * A run is placed only when its cost per epoch is known (its result.json).
 */
import { TrainRow } from '../log';
import { lineChart, Series } from './chart';
import { CONTINUE_OPERATION } from './collect';
import { seriesColor } from './color';
import { formatCount, formatDuration } from './format';
import { epochRows, Standing } from './standing';
import { Markup } from './svg';

export type CostAxis = 'flops' | 'seconds';

const costOf = (s: Standing, axis: CostAxis): number | null =>
  axis === 'flops' ? s.trainFlops : s.trainSeconds > 0 ? s.trainSeconds : null;

/** Validation accuracy by epoch of a candidate's best run, at `offset` + epoch × its cost per epoch. */
function placed(s: Standing, axis: CostAxis, offset: number): Array<[number, number]> | null {
  const run = s.bestRun;
  const result = run?.result;
  if (!run || !result || result.epochsRun <= 0) return null;
  const total = axis === 'flops' ? result.trainFlops : result.wallSeconds;
  if (total === undefined || !(total > 0)) return null;
  const perEpoch = total / result.epochsRun;
  return epochRows(run.rows).flatMap((r: TrainRow) =>
    r.valAcc === null ? [] : [[offset + r.epoch * perEpoch, r.valAcc] as [number, number]],
  );
}

export function computeSeries(path: readonly Standing[], all: readonly Standing[], axis: CostAxis): Series[] {
  const grown: Array<[number, number]> = [];
  const controls: Series[] = [];
  let offset = 0;
  for (let k = 0; k < path.length; k++) {
    const stage = path[k];
    const points = placed(stage, axis, offset);
    const cost = costOf(stage, axis);
    if (points === null || cost === null) break;
    const parent = k > 0 ? path[k - 1] : null;
    const control = parent
      ? all.find(
          (c) =>
            c.parent === parent.id && c.operation === CONTINUE_OPERATION && c.generation === stage.generation,
        )
      : undefined;
    const continued = control ? placed(control, axis, offset) : null;
    if (continued && continued.length > 0) {
      controls.push({
        name: `continue control ${control!.id}`,
        color: seriesColor(1),
        dashed: true,
        points: grown.length > 0 ? [grown[grown.length - 1], ...continued] : continued,
      });
    }
    grown.push(...points);
    offset += cost;
  }
  const scratch = all.find((s) => s.control !== null);
  const fromScratch = scratch ? placed(scratch, axis, 0) : null;
  return [
    ...(grown.length > 0
      ? [{ name: `grown lineage of ${path.at(-1)?.id}`, color: seriesColor(0), points: grown }]
      : []),
    ...controls,
    ...(fromScratch && fromScratch.length > 0
      ? [{ name: `scratch control ${scratch!.id}`, color: seriesColor(2), points: fromScratch }]
      : []),
  ];
}

export function computeChart(
  path: readonly Standing[],
  all: readonly Standing[],
  axis: CostAxis,
  idPrefix: string,
): Markup {
  const series = computeSeries(path, all, axis);
  const legend = [
    { label: 'grown lineage', color: seriesColor(0) },
    ...(series.some((s) => s.name.startsWith('continue'))
      ? [{ label: 'continue controls', color: seriesColor(1), dashed: true }]
      : []),
    ...(series.some((s) => s.name.startsWith('scratch'))
      ? [{ label: 'scratch control', color: seriesColor(2) }]
      : []),
  ];
  return lineChart(series, {
    title:
      axis === 'flops'
        ? 'Validation accuracy against training FLOPs'
        : 'Validation accuracy against training time',
    xLabel:
      axis === 'flops'
        ? 'training FLOPs (cumulative along the lineage)'
        : 'training time (cumulative along the lineage)',
    yLabel: 'validation accuracy',
    idPrefix,
    xFormat: axis === 'flops' ? (v) => formatCount(v) : (v) => formatDuration(v),
    yFormat: (v) => `${Math.round(v * 1000) / 10}%`,
    legend,
  });
}
