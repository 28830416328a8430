/**
 * A driver's table in docs/RESULTS.md: one section per experiment between two HTML comment
 * markers, replaced when the driver runs again (so a rerun updates its figures instead of
 * piling up copies) and appended at the end the first time. The section opens with what a
 * reader needs to trust or reproduce the figures: command, machine, backend, wall time, data
 * fraction, epochs and seeds.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { formatSpread } from './stats';
import { GroupFigures, Summary } from './summary';

export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Each group's figures as one row, mean ± sample std over seeds: `columns` are [metric, digits]
 * (4 digits unless said); with `n`, a column of the seeds behind the first metric.
 */
export function spreadTable(
  first: string,
  figures: readonly GroupFigures[],
  columns: ReadonlyArray<readonly [string, number?]>,
  { n = false } = {},
): string {
  return markdownTable(
    [first, ...(n ? ['n'] : []), ...columns.map(([m]) => m)],
    figures.map((f) => [
      f.group,
      ...(n ? [String(f.spread[columns[0][0]].n)] : []),
      ...columns.map(([m, digits]) => formatSpread(f.spread[m], digits ?? 4)),
    ]),
  );
}

/** The provenance lines every section starts with. */
export function provenance(s: Summary, epochs: string, split = 'one split for every run'): string {
  const m = s.machine;
  const ds = s.dataset;
  const tf = s.backend.tensorflow ? ` (TensorFlow ${s.backend.tensorflow})` : '';
  return [
    '```',
    s.command,
    '```',
    '',
    `- Run ${s.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${s.oneSize ? 'at its one size' : s.full ? 'full size' : 'scaled down (the default; `--full` for the full size)'}; wall time ${formatWall(s.wallSeconds)} for the whole driver.`,
    `- Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}; shared with other jobs (1-minute load ${m.loadStart} at the start, ${m.loadEnd} at the end), so times are indicative only.`,
    `- Backend: \`${s.backend.name}\`${tf}, ${s.backend.threads} thread(s).`,
    `- Data: ${ds.name}, limit ${ds.limit} of the training set → ${ds.train.toLocaleString('en-US')} train / ${ds.val.toLocaleString('en-US')} validation images (${split}); test accuracy on the ${ds.test.toLocaleString('en-US')} official test images.`,
    `- Epochs: ${epochs}. Seeds: ${s.seeds} (each seed changes initial weights and batch order); figures are mean ± sample standard deviation over seeds.`,
  ].join('\n');
}

export function formatWall(seconds: number): string {
  return seconds < 120 ? `${seconds.toFixed(0)} s` : `${(seconds / 60).toFixed(1)} min`;
}

/** Replaces (or appends) the section `id` of `file` with `body` under `heading`. */
export function upsertSection(file: string, id: string, heading: string, body: string): void {
  const begin = `<!-- experiment:${id} -->`;
  const end = `<!-- /experiment:${id} -->`;
  const section = `${begin}\n## ${heading}\n\n${body.trim()}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Results\n';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  const next =
    a >= 0 && b > a
      ? text.slice(0, a) + section + text.slice(b + end.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

/** The parts of a training recipe past optimizer and schedule, in words; only those in use. */
export function recipeTerms(r: {
  warmupEpochs?: number;
  weightDecay?: number;
  labelSmoothing?: number;
  augment?: boolean;
  graphEngine?: boolean;
}): string[] {
  return [
    ...(r.warmupEpochs ? [`${r.warmupEpochs}-epoch warm-up`] : []),
    ...(r.weightDecay ? [`weight decay ${r.weightDecay}`] : []),
    ...(r.labelSmoothing ? [`label smoothing ${r.labelSmoothing}`] : []),
    ...(r.augment ? ['crops + flips'] : []),
    ...(r.graphEngine ? ['on the graph engine'] : []),
  ];
}
