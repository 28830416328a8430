/** What a person reads in the terminal: one line per epoch, and the model summary table. */
import { TrainRow } from './train-row';

export type EpochLine = Pick<
  TrainRow,
  'epoch' | 'loss' | 'acc' | 'valLoss' | 'valAcc' | 'lr' | 'seconds' | 'samplesPerSec'
>;

function metric(x: number | null): string {
  if (x === null) return '-';
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return x.toFixed(4);
}

function learningRate(lr: number): string {
  return lr === 0 ? '0' : lr.toExponential(2);
}

function seconds(s: number): string {
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${(s % 60).toFixed(0).padStart(2, '0')}s`;
}

/**
 * `epoch  3/10  loss 0.4123  acc 0.8512  val_loss 0.4410  val_acc 0.8420  lr 5.00e-2  1234 samples/s  12.3s`
 * Fixed widths so consecutive lines line up.
 */
export function formatEpochLine(row: EpochLine, epochs: number): string {
  const width = String(epochs).length;
  return [
    `epoch ${String(row.epoch).padStart(width)}/${epochs}`,
    `loss ${metric(row.loss)}`,
    `acc ${metric(row.acc)}`,
    `val_loss ${metric(row.valLoss)}`,
    `val_acc ${metric(row.valAcc)}`,
    `lr ${learningRate(row.lr)}`,
    `${Math.round(row.samplesPerSec).toString().padStart(6)} samples/s`,
    seconds(row.seconds).padStart(6),
  ].join('  ');
}

/** One layer of the model summary; the caller computes rows from the graph. */
export interface ModelSummaryRow {
  id: string;
  kind: string;
  /** Per-sample output shape, without the batch dimension. */
  outputShape: readonly number[];
  params: number;
  /** Forward FLOPs per sample. */
  flops: number;
}

const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

/** 1234 → "1.23K", 5.6e9 → "5.60G": FLOPs span too many magnitudes to read in full. */
export function formatCount(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) if (Math.abs(n) >= size) return `${(n / size).toFixed(2)}${unit}`;
  return String(Math.round(n));
}

/** An aligned table (layer, kind, output, params, FLOPs) with a totals line. */
export function formatModelSummary(rows: readonly ModelSummaryRow[]): string {
  const header = ['layer', 'kind', 'output', 'params', 'FLOPs'];
  const body = rows.map((r) => [
    r.id,
    r.kind,
    `(${r.outputShape.join(', ')})`,
    thousands(r.params),
    formatCount(r.flops),
  ]);
  const totalParams = rows.reduce((a, r) => a + r.params, 0);
  const totalFlops = rows.reduce((a, r) => a + r.flops, 0);
  const total = [`total (${rows.length} layers)`, '', '', thousands(totalParams), formatCount(totalFlops)];
  const widths = header.map((h, c) =>
    Math.max(h.length, ...[...body, total].map((cells) => cells[c].length)),
  );
  const rightAligned = new Set([3, 4]);
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, w) => a + w, 0) + 2 * (widths.length - 1));
  return [line(header), rule, ...body.map(line), rule, line(total)].join('\n');
}

/** The summary as Markdown for TensorBoard's Text tab: a code block keeps the columns aligned. */
export function modelSummaryMarkdown(rows: readonly ModelSummaryRow[]): string {
  return '```\n' + formatModelSummary(rows) + '\n```';
}
