/**
 * Experiment 6 of issue 13: distillation inside a search. The same GA search twice per seed —
 * children trained on labels alone, and children trained with their parent as the soft-target
 * teacher (`distill.enabled`) — through `netgrow search`, the command a user runs (embedded
 * Temporal server, a `netgrow train` child process per candidate). With the same seed the
 * start model and the first generation's commands are the same in both searches (the GA draws
 * them before any result is known), so generation 1 is a paired comparison; later generations
 * depend on the rankings and may differ.
 *
 *   npx tsx experiments/distill.ts [--full] [--set name=value] [--out DIR] [--results FILE|none]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { TrainResult } from '../src/contracts/train';
import { SearchResult } from '../src/contracts/search';
import { formatUri, openStore, parseUri } from '../src/storage';
import {
  comparisonRow,
  DriverDefinition,
  forSeeds,
  formatSpread,
  groupFigures,
  mainDriver,
  markdownTable,
  runDriver,
  runRecord,
  RunRecord,
} from './lib';

const scaled = {
  seeds: 3,
  dataset: 'fashion-mnist',
  limit: 0.1,
  validation: 0.1,
  start: 'lenet',
  population: 3,
  generations: 2,
  epochs: 2,
  temperature: 4,
  alpha: 0.5,
  parallelism: 2,
};
type Scale = typeof scaled;
const full: Scale = { ...scaled, limit: 1, population: 4, generations: 5, epochs: 3 };

export const MODES = ['labels only', 'distilled from parent'] as const;
type Mode = (typeof MODES)[number];

interface SearchRun {
  mode: Mode;
  seed: number;
  id: string;
  result: SearchResult;
  /** Every trained candidate: id, generation, ops, record. */
  candidates: Array<{ id: string; generation: number; ops: string[]; record: RunRecord }>;
  wallSeconds: number;
}

const BIN = resolve(__dirname, '..', 'bin', 'netgrow.js');

/** Runs `netgrow search --json` and returns its outcome; stderr (progress) goes to the log file. */
async function netgrowSearch(
  config: string,
  cwd: string,
  logFile: string,
): Promise<{ id: string; result: SearchResult }> {
  const child = spawn(process.execPath, [BIN, 'search', '--config', config, '--headless', '--json'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  writeFileSync(logFile, stderr);
  const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') as {
    id: string;
    code: number;
    result: SearchResult | null;
    error: string | null;
  } | null;
  if (code !== 0 || !outcome?.result) {
    throw new Error(
      `netgrow search ${config} exited ${code}: ${outcome?.error ?? stderr.trim().split('\n').at(-1) ?? ''}`,
    );
  }
  return { id: outcome.id, result: outcome.result };
}

export const distill: DriverDefinition<Scale> = {
  name: 'distill',
  file: 'distill.ts',
  title: 'Experiment 6: distillation inside a search — children taught by their parent vs labels alone',
  description: 'GA search with and without parent-to-child distillation (issue 13, experiment 6)',
  scaled,
  full,
  dataset: (s) => ({ name: s.dataset, limit: s.limit, validation: s.validation }),
  async run({ scale, runner, log }) {
    const searches: SearchRun[] = [];
    const storage = join(runner.out, 'search');
    await forSeeds(scale.seeds, async (seed) => {
      for (const mode of MODES) {
        const name = `distill-${mode === 'labels only' ? 'off' : 'on'}-s${seed}`;
        const config = {
          name,
          seed,
          dataset: { name: scale.dataset, limit: scale.limit, validation: scale.validation },
          start: { arch: scale.start },
          strategy: { kind: 'ga', population: scale.population, generations: scale.generations },
          train: { epochs: scale.epochs, batchSize: 64, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } },
          distill: { enabled: mode !== 'labels only', temperature: scale.temperature, alpha: scale.alpha },
          budget: { candidates: null },
          executor: { kind: 'process', parallelism: scale.parallelism },
          storage: { uri: formatUri(parseUri(storage)) },
        };
        const file = join(runner.out, `${name}.yaml`);
        writeFileSync(file, stringify(config));
        const t0 = performance.now();
        const { id, result } = await netgrowSearch(file, runner.out, join(runner.out, `${name}.log`));
        const wallSeconds = (performance.now() - t0) / 1000;
        const exp = openStore(join(storage, 'experiments', id));
        const candidates: SearchRun['candidates'] = [];
        const keys = await exp.list('candidates/');
        const ids = [...new Set(keys.map((k) => k.split('/')[1]))].sort();
        for (const cid of ids) {
          const runKey = keys
            .filter((k) => k.startsWith(`candidates/${cid}/runs/`) && k.endsWith('/result.json'))
            .sort()
            .at(-1);
          if (!runKey) continue;
          const res = TrainResult.parse(JSON.parse(await exp.getText(runKey)));
          if (res.status !== 'completed') continue;
          const output = `${exp.uri}/${runKey.slice(0, -'/result.json'.length)}`;
          const entry = result.leaderboard.find((e) => e.candidateId === cid);
          const generation = Number(/^g(\d+)-/.exec(cid)?.[1] ?? NaN);
          const record = await runRecord(mode, seed, output, res);
          candidates.push({ id: cid, generation, ops: entry?.ops ?? [], record });
          runner.records.push(record);
        }
        searches.push({ mode, seed, id, result, candidates, wallSeconds });
        log(
          `${name}: ${id}, ${candidates.length} candidates, best val ${result.best?.valAcc?.toFixed(4) ?? '—'}, test ${result.finalists?.[0]?.testAcc?.toFixed(4) ?? '—'}, ${wallSeconds.toFixed(0)} s`,
        );
      }
    });

    const of = (mode: string) => searches.filter((s) => s.mode === mode);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const children = (s: SearchRun, gen?: number) =>
      s.candidates.filter((c) => c.generation >= 1 && (gen === undefined || c.generation === gen));
    const figures = groupFigures(MODES, {
      'children mean val acc': (m) => of(m).map((s) => mean(children(s).map((c) => c.record.valAcc ?? NaN))),
      'generation-1 mean val acc': (m) =>
        of(m).map((s) => mean(children(s, 1).map((c) => c.record.valAcc ?? NaN))),
      'best val acc': (m) => of(m).map((s) => s.result.best?.valAcc ?? NaN),
      'best test acc': (m) => of(m).map((s) => s.result.finalists?.[0]?.testAcc ?? NaN),
      'search wall s': (m) => of(m).map((s) => s.wallSeconds),
    });
    const comparisons = ['generation-1 mean val acc', 'children mean val acc', 'best test acc'].map((m) =>
      comparisonRow(figures, 'distilled from parent', 'labels only', m),
    );
    // Paired: did both searches of a seed train the same first generation?
    const paired = Array.from({ length: scale.seeds }, (_, i) => i + 1).filter((seed) => {
      const [a, b] = MODES.map((m) => searches.find((s) => s.mode === m && s.seed === seed)!);
      const ops = (s: SearchRun) => JSON.stringify(children(s, 1).map((c) => [c.id, c.ops]));
      return ops(a) === ops(b);
    }).length;
    const metrics = Object.keys(figures[0].spread);
    return {
      groups: figures,
      comparisons,
      notes: [
        `${paired}/${scale.seeds} seeds trained the same generation-1 children (commands) in both searches`,
        ...comparisons.map((c) => c.sentence),
      ],
      epochs: `${scale.epochs} per candidate (SGD lr 0.05, momentum 0.9, cosine, batch 64); GA population ${scale.population}, ${scale.generations} generations after the start model (${1 + scale.population * scale.generations} candidates per search); distillation T=${scale.temperature}, α=${scale.alpha}`,
      charts: [{ title: 'every trained candidate, by mode', groups: [...MODES] }],
      markdown: () =>
        [
          `Each seed runs two searches from \`${scale.start}\` that differ only in \`distill.enabled\`; a search's rows (its validation split) follow its seed, so both searches of a seed rank on the same rows. ${paired}/${scale.seeds} seeds trained identical generation-1 children (same parents, same commands) in both searches: a paired comparison there.`,
          '',
          markdownTable(
            ['children trained', ...metrics],
            figures.map((f) => [
              f.group,
              ...metrics.map((m) => formatSpread(f.spread[m], m.endsWith('wall s') ? 0 : 4)),
            ]),
          ),
          '',
          ...comparisons.map((c) => `- ${c.sentence}`),
          `- Searches: ${searches.map((s) => `${s.id} (${s.mode})`).join(', ')}; their reports are under the driver's output folder.`,
        ].join('\n'),
    };
  },
};

export const runDistill = (argv: string[], log?: (l: string) => void) => runDriver(distill, argv, log);

if (require.main === module) mainDriver(distill);
