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
  runSearch,
  SearchRun,
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

export const distill: DriverDefinition<Scale> = {
  name: 'distill',
  file: 'distill.ts',
  title: 'Experiment 6: distillation inside a search — children taught by their parent vs labels alone',
  description: 'GA search with and without parent-to-child distillation (issue 13, experiment 6)',
  scaled,
  full,
  dataset: (s) => ({ name: s.dataset, limit: s.limit, validation: s.validation }),
  async run({ scale, runner, log }) {
    const searches: Array<SearchRun & { mode: Mode; seed: number }> = [];
    await forSeeds(scale.seeds, async (seed) => {
      for (const mode of MODES) {
        const name = `distill-${mode === 'labels only' ? 'off' : 'on'}-s${seed}`;
        const search = await runSearch(
          {
            name,
            seed,
            dataset: { name: scale.dataset, limit: scale.limit, validation: scale.validation },
            start: { arch: scale.start },
            strategy: { kind: 'ga', population: scale.population, generations: scale.generations },
            train: {
              epochs: scale.epochs,
              batchSize: 64,
              optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
            },
            distill: { enabled: mode !== 'labels only', temperature: scale.temperature, alpha: scale.alpha },
            budget: { candidates: null },
            executor: { kind: 'process', parallelism: scale.parallelism },
          },
          runner.out,
        );
        for (const c of search.candidates)
          runner.records.push(await runRecord(mode, seed, c.output, c.result));
        searches.push({ ...search, mode, seed });
        const best = search.result.best?.valAcc?.toFixed(4) ?? '—';
        const test = search.result.finalists?.[0]?.testAcc?.toFixed(4) ?? '—';
        log(
          `${name}: ${search.id}, ${search.candidates.length} candidates, best val ${best}, test ${test}, ${search.wallSeconds.toFixed(0)} s`,
        );
      }
    });

    const of = (mode: string) => searches.filter((s) => s.mode === mode);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const children = (s: SearchRun, gen?: number) =>
      s.candidates.filter((c) => c.generation >= 1 && (gen === undefined || c.generation === gen));
    const valAcc = (c: SearchRun['candidates'][number]) =>
      c.result.validation?.acc ?? c.result.final?.valAcc ?? NaN;
    const figures = groupFigures(MODES, {
      'children mean val acc': (m) => of(m).map((s) => mean(children(s).map(valAcc))),
      'generation-1 mean val acc': (m) => of(m).map((s) => mean(children(s, 1).map(valAcc))),
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
      split: "each seed's own split (a search splits by its seed), shared by that seed's two searches",
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
