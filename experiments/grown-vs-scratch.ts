/**
 * Experiment 2 of issue 13, growth against training from scratch at equal compute: a GA search
 * per seed with the search's own control switched on (`scratch.enabled`): after the search, the
 * winner's architecture is trained from random initialisation for the epochs its lineage
 * accumulated, scored the same way. The default is the quickstart (examples/quickstart.yaml:
 * LeNet on Fashion-MNIST, GA, 2 epochs a candidate) at a smaller data fraction and population;
 * `--full` is the quickstart's own size.
 *
 *   npx tsx experiments/grown-vs-scratch.ts [--full] [--set name=value] [--out DIR] [--results FILE|none]
 */
import {
  comparisonRow,
  DriverDefinition,
  forSeeds,
  groupFigures,
  lineageOf,
  lineageRecord,
  mainDriver,
  runDriver,
  runRecord,
  RunRecord,
  runSearch,
  SearchRun,
  spreadTable,
} from './lib';

const scaled = {
  seeds: 3,
  dataset: 'fashion-mnist',
  limit: 0.1,
  validation: 0.1,
  start: 'lenet',
  population: 3,
  generations: 3,
  epochs: 2,
  lr: 0.05,
  parallelism: 2,
};
type Scale = typeof scaled;
/** The quickstart's own size. */
const full: Scale = { ...scaled, limit: 0.25, population: 4, generations: 4 };

export const GROUPS = ['grown winner', 'winner from scratch'] as const;

export const grownVsScratch: DriverDefinition<Scale> = {
  name: 'grown-vs-scratch',
  file: 'grown-vs-scratch.ts',
  title: 'Experiment 2: growth against training from scratch at equal epochs',
  description:
    "a GA search's winner against its own architecture trained from scratch (issue 13, experiment 2)",
  scaled,
  full,
  dataset: (s) => ({ name: s.dataset, limit: s.limit, validation: s.validation }),
  async run({ scale, runner, log }) {
    const searches = await forSeeds(scale.seeds, async (seed) => {
      const search = await runSearch(
        {
          name: `ga-s${seed}`,
          seed,
          dataset: { name: scale.dataset, limit: scale.limit, validation: scale.validation },
          start: { arch: scale.start },
          strategy: { kind: 'ga', population: scale.population, generations: scale.generations },
          train: {
            epochs: scale.epochs,
            batchSize: 64,
            optimizer: { kind: 'sgd', lr: scale.lr, momentum: 0.9 },
            schedule: { kind: 'cosine' },
          },
          scratch: { enabled: true },
          executor: { kind: 'process', parallelism: scale.parallelism },
        },
        runner.out,
      );
      log(
        `ga-s${seed}: ${search.result.candidates} candidates, winner ${search.result.scratch?.grown.candidateId ?? '—'}, ${search.wallSeconds.toFixed(0)} s`,
      );
      runner.records.push(...(await records(search, seed)));
      return { seed, search };
    });

    const figures = groupFigures(GROUPS, {
      'val acc': (g) => runner.runsOf(g).map((r) => r.valAcc ?? NaN),
      'test acc': (g) => runner.runsOf(g).map((r) => r.testAcc ?? NaN),
      epochs: (g) => runner.runsOf(g).map((r) => r.epochs),
      'training s': (g) => runner.runsOf(g).map((r) => r.wallSeconds),
      params: (g) => runner.runsOf(g).map((r) => r.params ?? NaN),
    });
    const comparisons = ['val acc', 'test acc'].map((m) =>
      comparisonRow(figures, 'grown winner', 'winner from scratch', m),
    );
    const lineages = searches.map(({ seed, search: s }) => {
      const best = s.result.scratch?.grown.candidateId ?? s.result.best?.candidateId ?? '—';
      const path = lineageOf(s.candidates, best).flatMap((c) => c.ops);
      const start = s.result.leaderboard.find((e) => e.generation === 0);
      const won = best.startsWith('g0-') ? ' (the start model itself won)' : '';
      return `seed ${seed}: winner ${best}${won}, start model val ${start?.valAcc?.toFixed(4) ?? '—'}, ${s.result.candidates} candidates, lineage \`${path.join('; ') || 'none'}\`, search ${s.wallSeconds.toFixed(0)} s`;
    });
    const notes = [...comparisons.map((c) => c.sentence), ...lineages];
    return {
      groups: figures,
      comparisons,
      notes,
      epochs: `${scale.epochs} per candidate (SGD lr ${scale.lr}, momentum 0.9, cosine, batch 64); GA ${scale.population} × ${scale.generations} generations after the start model; the scratch control trains the winner's lineage epochs in one run`,
      charts: [
        {
          title: "The winner's training along its lineage vs its architecture from scratch",
          groups: ['grown winner', 'winner from scratch'],
          xLabel: 'epochs of training received',
        },
      ],
      markdown: () =>
        [
          `A GA search from \`${scale.start}\` per seed with \`scratch: {enabled: true}\`: the winner (by validation accuracy) is retrained from random initialisation for the epochs its lineage accumulated (its ancestors' epochs and its own). Test accuracy is taken once, after the search, for the finalists and the scratch control. "training s" is the lineage's training time for the grown winner and the single run's for the control.`,
          '',
          spreadTable('network', figures, [
            ['val acc'],
            ['test acc'],
            ['epochs', 1],
            ['training s', 1],
            ['params', 0],
          ]),
          '',
          ...notes.map((n) => `- ${n}`),
        ].join('\n'),
    };
  },
};

/** The grown winner (its lineage as one curve) and the scratch control of a search. */
async function records(s: SearchRun, seed: number): Promise<RunRecord[]> {
  const control = s.result.scratch;
  if (!control) throw new Error(`search ${s.id} has no scratch control`);
  if (control.status !== 'completed') throw new Error(`the scratch control of ${s.id} ${control.status}`);
  const scratch = s.candidates.find((c) => c.id === control.candidateId);
  const chain = lineageOf(s.candidates, control.grown.candidateId);
  if (!scratch || chain.length === 0)
    throw new Error(`search ${s.id}: the winner's or the control's run is missing`);
  // Test accuracy is scored once after the search (finalists and control), not in the runs.
  const grown = { ...(await lineageRecord('grown winner', seed, chain)), testAcc: control.grown.testAcc };
  const fresh = {
    ...(await runRecord('winner from scratch', seed, scratch.output, scratch.result)),
    testAcc: control.testAcc,
  };
  return [grown, fresh];
}

export const runGrownVsScratch = (argv: string[], log?: (l: string) => void) =>
  runDriver(grownVsScratch, argv, log);

if (require.main === module) mainDriver(grownVsScratch);
