/**
 * What every driver shares: flags, the run folder, the summary JSON, the HTML report and the
 * section in docs/RESULTS.md. A driver supplies its scales, its dataset and a `run` that trains
 * and returns figures; `mainDriver` does the rest and turns a bad flag into one line and exit 2.
 */
import { mkdirSync } from 'node:fs';
import { isInputError } from '../../src/contracts/errors';
import { resolve } from 'node:path';
import { ArgsError, ARGS_HELP, DriverArgs, parseDriverArgs, resolveScale } from './args';
import { CurveChart, writeHtmlReport } from './html';
import { provenance, upsertSection } from './results-md';
import {
  backendFigures,
  ComparisonRow,
  GroupFigures,
  MachineClock,
  Summary,
  SUMMARY_FORMAT,
  writeSummary,
} from './summary';
import { DatasetChoice, Runner } from './training';

export type Scale = Record<string, number | string | boolean>;

export interface DriverContext<S extends Scale> {
  scale: S;
  runner: Runner;
  args: DriverArgs;
  log: (line: string) => void;
}

export interface DriverOutput {
  groups: GroupFigures[];
  comparisons: ComparisonRow[];
  notes: string[];
  charts: CurveChart[];
  /** The epochs line of the provenance, e.g. `teacher 10, students 6`. */
  epochs: string;
  /** Which rows the runs share, when not one split for every run (searches split by their seed). */
  split?: string;
  /** The section's body after the provenance: tables and findings, from the finished summary. */
  markdown: (s: Summary) => string;
}

export interface DriverDefinition<S extends Scale> {
  /** The folder name and the RESULTS.md section id. */
  name: string;
  /** The file under experiments/, for the reproducing command. */
  file: string;
  title: string;
  description: string;
  scaled: S;
  full: S;
  dataset: (scale: S) => DatasetChoice;
  run: (ctx: DriverContext<S>) => Promise<DriverOutput>;
}

export interface DriverResult {
  summary: Summary;
  summaryFile: string;
  reportFile: string;
}

export async function runDriver<S extends Scale>(
  def: DriverDefinition<S>,
  argv: readonly string[],
  log: (line: string) => void = (line) => console.log(line),
): Promise<DriverResult> {
  const args = parseDriverArgs(argv, def.name);
  const scale = resolveScale(def.scaled, def.full, args);
  const out = resolve(args.out);
  mkdirSync(out, { recursive: true });
  const clock = new MachineClock();
  const data = def.dataset(scale);
  const runner = await Runner.open(out, data, log);
  const rows = await runner.rows();
  log(
    `${def.name}: ${args.full ? 'full size' : 'scaled down'}, ${JSON.stringify(scale)}, backend ${runner.backend.name} → ${out}`,
  );
  const output = await def.run({ scale, runner, args, log });
  const summary: Summary = {
    format: SUMMARY_FORMAT,
    experiment: args.section,
    title: def.title,
    command: ['npx tsx', `experiments/${def.file}`, ...argv.map(shellWord)].join(' '),
    startedAt: clock.startedAt,
    wallSeconds: clock.seconds(),
    machine: clock.machine(),
    backend: backendFigures(runner.backend),
    full: args.full,
    oneSize: JSON.stringify(def.scaled) === JSON.stringify(def.full),
    scale,
    dataset: { ...data, train: rows.train.count, val: rows.val?.count ?? 0, test: rows.test?.count ?? 0 },
    seeds: Number(scale.seeds ?? 1),
    groups: output.groups,
    comparisons: output.comparisons,
    notes: output.notes,
    runs: runner.records,
  };
  const summaryFile = await writeSummary(out, summary);
  const reportFile = await writeHtmlReport(out, summary, output.charts);
  if (args.results) {
    upsertSection(
      args.results,
      args.section,
      args.variant ? `${def.title} (variant ${args.variant})` : def.title,
      `${provenance(summary, output.epochs, output.split)}\n\n${output.markdown(summary)}`,
    );
    log(`table: ${args.results} (section ${args.section})`);
  }
  log(`summary: ${summaryFile}`);
  log(`report: ${reportFile}`);
  return { summary, summaryFile, reportFile };
}

/** The command-line entry: exit 0 done, 2 bad flags or input (one line), 1 anything else (one line). */
export function mainDriver<S extends Scale>(def: DriverDefinition<S>): void {
  runDriver(def, process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      if (e instanceof ArgsError) {
        if (e.message === 'help') {
          console.log(
            `npx tsx experiments/${def.file} [options] — ${def.description}\n\n${ARGS_HELP}\n\nscale fields (default / --full):\n${Object.keys(
              def.scaled,
            )
              .map((k) => `  ${k}: ${String(def.scaled[k])} / ${String(def.full[k])}`)
              .join('\n')}`,
          );
          process.exit(0);
        }
        console.error(`${def.name}: ${e.message}`);
        process.exit(2);
      }
      // One line: 2 for input to fix (a dataset or start that does not exist), 1 otherwise.
      console.error(`${def.name}: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(isInputError(e) ? 2 : 1);
    },
  );
}

/** An argument as a shell reads it back: quoted when it holds anything but plain characters. */
export function shellWord(arg: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
