/**
 * The summary JSON every driver writes (`summary.json` in its output folder): what ran, where,
 * at what scale, every run with its curve, and the figures per group over seeds: every figure
 * of the markdown table and the HTML report is in it.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendInfo } from '../../src/backend';
import { compare, Comparison, describeComparison, Spread, spread } from './stats';
import { DatasetChoice, RunRecord } from './training';

export const SUMMARY_FORMAT = 'netgrow.experiment-summary/v1';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1-minute load average at the start and the end: other work on the machine shows here. */
  loadStart: number;
  loadEnd: number;
  node: string;
}

export interface GroupFigures {
  group: string;
  /** One value per seed, in seed order. */
  values: Record<string, number[]>;
  spread: Record<string, Spread>;
}

export interface ComparisonRow extends Comparison {
  a: string;
  b: string;
  metric: string;
  sentence: string;
}

export interface Summary {
  format: typeof SUMMARY_FORMAT;
  experiment: string;
  title: string;
  /** The command line that reproduces it. */
  command: string;
  startedAt: string;
  wallSeconds: number;
  machine: Machine;
  backend: { name: string; threads: number; tensorflow: string | null };
  full: boolean;
  /** The driver has one size only (its scaled and full scales are the same). */
  oneSize?: boolean;
  scale: Record<string, number | string | boolean>;
  dataset: DatasetChoice & { train: number; val: number; test: number };
  seeds: number;
  groups: GroupFigures[];
  comparisons: ComparisonRow[];
  notes: string[];
  runs: RunRecord[];
}

export class MachineClock {
  private readonly t0 = performance.now();
  readonly startedAt = new Date().toISOString();
  readonly loadStart = loadavg()[0];

  seconds(): number {
    return (performance.now() - this.t0) / 1000;
  }

  machine(): Machine {
    return {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadStart: round2(this.loadStart),
      loadEnd: round2(loadavg()[0]),
      node: process.version,
    };
  }
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** Per group, each metric's values over seeds and their spread. */
export function groupFigures(
  groups: readonly string[],
  metrics: Record<string, (group: string) => number[]>,
): GroupFigures[] {
  return groups.map((group) => {
    const values: Record<string, number[]> = {};
    const spreads: Record<string, Spread> = {};
    for (const [name, of] of Object.entries(metrics)) {
      values[name] = of(group);
      spreads[name] = spread(values[name]);
    }
    return { group, values, spread: spreads };
  });
}

export function comparisonRow(
  figures: readonly GroupFigures[],
  a: string,
  b: string,
  metric: string,
): ComparisonRow {
  const fa = figures.find((f) => f.group === a);
  const fb = figures.find((f) => f.group === b);
  if (!fa || !fb) throw new Error(`no figures for ${fa ? b : a}`);
  const c = compare(fa.spread[metric], fb.spread[metric]);
  return { ...c, a, b, metric, sentence: `${metric}: ${describeComparison(a, b, c)}` };
}

export function backendFigures(b: BackendInfo): Summary['backend'] {
  return { name: b.name, threads: b.threads, tensorflow: b.tensorflow?.version ?? null };
}

export async function writeSummary(out: string, summary: Summary): Promise<string> {
  const file = join(out, 'summary.json');
  await writeFile(file, JSON.stringify(summary, null, 2) + '\n');
  return file;
}
