/**
 * Experiment 5 of issue 13, strategies at one budget: GA, random feasible plans, hill climbing
 * (NASH's short cosine runs) and a fixed plan in the seed's style (deepen, then widen), each a
 * `netgrow search` from the seed's GA start model with the same number of candidates and the
 * same epochs per candidate. Figures: the best validation accuracy against candidates trained,
 * the winner's test accuracy and lineage, and per-operation statistics (how often each command
 * was chosen and how often the child beat its parent), summed over seeds.
 *
 * The start model is `seed-ga` with its convolutions scaled by `width` (1 at full size): its
 * first convolution runs at full resolution, so a deepened copy of it costs width² as much.
 *
 *   npx tsx experiments/strategies.ts [--full] [--set name=value] [--out DIR] [--results FILE|none]
 */
import { join } from 'node:path';
import type { OperationStat } from '../src/contracts/search';
import type { SearchConfigInput } from '../src/search/config';
import {
  bestSoFar,
  comparisonRow,
  DriverDefinition,
  forSeeds,
  groupFigures,
  lineageOf,
  mainDriver,
  markdownTable,
  runDriver,
  RunRecord,
  runSearch,
  scaledBuiltin,
  SearchRun,
  spreadTable,
  writeGraphFile,
} from './lib';

/** The seed's way of growing (its plans deepen first, then widen), for seed-ga's layers. */
export const SEED_STYLE_PLAN = [
  'deeper conv1',
  'deeper conv2',
  'wider conv1 x2',
  'wider conv2 x2',
  'kernel conv3 5',
  'wider conv3 x2',
  'insert pool1 bn',
  'deeper conv3',
  'wider conv4 x2',
  'skip conv2 conv4',
  'kernel conv4 5',
  'insert conv4 dropout=0.25',
];

const scaled = {
  seeds: 3,
  dataset: 'fashion-mnist',
  limit: 0.05,
  validation: 0.1,
  width: 0.25,
  population: 3,
  generations: 2,
  epochs: 2,
  lr: 0.05,
  parallelism: 2,
};
type Scale = typeof scaled;
const full: Scale = { ...scaled, limit: 0.25, width: 1, population: 3, generations: 4 };

export const STRATEGIES = ['ga', 'random', 'hill', 'plan'] as const;
type StrategyName = (typeof STRATEGIES)[number];

function strategy(kind: StrategyName, s: Scale): SearchConfigInput['strategy'] {
  const budget = s.population * s.generations;
  switch (kind) {
    case 'ga':
      return { kind: 'ga', population: s.population, generations: s.generations };
    case 'random':
      return { kind: 'random', population: s.population, generations: s.generations };
    case 'hill':
      return { kind: 'hill', population: s.population, generations: s.generations };
    case 'plan':
      if (budget > SEED_STYLE_PLAN.length)
        throw new Error(
          `the plan has ${SEED_STYLE_PLAN.length} stages; population × generations is ${budget}`,
        );
      return { kind: 'plan', stages: SEED_STYLE_PLAN.slice(0, budget) };
  }
}

export const strategies: DriverDefinition<Scale> = {
  name: 'strategies',
  file: 'strategies.ts',
  title: 'Experiment 5: strategies at one budget — GA, random, hill climbing, the seed-style plan',
  description: 'GA, random, hill climbing and a fixed plan at one candidate budget (issue 13, experiment 5)',
  scaled,
  full,
  dataset: (s) => ({ name: s.dataset, limit: s.limit, validation: s.validation }),
  async run({ scale, runner, log }) {
    const rows = await runner.rows();
    const shape = { inputShape: [...rows.inputShape], numClasses: rows.numClasses };
    const start = writeGraphFile(
      join(runner.out, 'nets', 'start'),
      scaledBuiltin('seed-ga', shape, scale.width),
    );
    const searches: Array<{ kind: StrategyName; seed: number; search: SearchRun }> = [];
    await forSeeds(scale.seeds, async (seed) => {
      // Interleaved: each seed runs every strategy, so load on the machine spreads evenly.
      for (const kind of STRATEGIES) {
        const search = await runSearch(
          {
            name: `${kind}-s${seed}`,
            seed,
            dataset: { name: scale.dataset, limit: scale.limit, validation: scale.validation },
            start: { arch: start },
            strategy: strategy(kind, scale),
            train: {
              epochs: scale.epochs,
              batchSize: 64,
              optimizer: { kind: 'sgd', lr: scale.lr, momentum: 0.9 },
              schedule: { kind: 'cosine' },
            },
            executor: { kind: 'process', parallelism: scale.parallelism },
          },
          runner.out,
        );
        const best = search.result.best;
        log(
          `${kind}-s${seed}: ${search.result.candidates} candidates, best ${best?.candidateId ?? '—'} val ${best?.valAcc?.toFixed(4) ?? '—'}, ${search.wallSeconds.toFixed(0)} s`,
        );
        searches.push({ kind, seed, search });
        runner.records.push(record(kind, seed, search));
      }
    });

    const figures = groupFigures(STRATEGIES, {
      'best val acc': (g) => runner.runsOf(g).map((r) => r.valAcc ?? NaN),
      'winner test acc': (g) => runner.runsOf(g).map((r) => r.testAcc ?? NaN),
      candidates: (g) => runner.runsOf(g).map((r) => r.epochs),
      'winner params': (g) => runner.runsOf(g).map((r) => r.params ?? NaN),
      'search s': (g) => runner.runsOf(g).map((r) => r.wallSeconds),
    });
    const comparisons = STRATEGIES.filter((k) => k !== 'ga').map((k) =>
      comparisonRow(figures, k, 'ga', 'best val acc'),
    );
    const lineages = searches.map(({ kind, seed, search: s }) => {
      const best = s.result.best;
      const path = best ? lineageOf(s.candidates, best.candidateId).flatMap((c) => c.ops) : [];
      return `${kind}, seed ${seed}: winner ${best?.candidateId ?? '—'} (val ${best?.valAcc?.toFixed(4) ?? '—'}), lineage \`${path.join('; ') || 'the start model'}\``;
    });
    const operations = STRATEGIES.map((k) => ({
      strategy: k,
      stats: sumOperations(searches.filter((s) => s.kind === k).map((s) => s.search.result.operations ?? [])),
    }));
    return {
      groups: figures,
      comparisons,
      notes: [...comparisons.map((c) => c.sentence), ...lineages],
      epochs: `${scale.epochs} per candidate (SGD lr ${scale.lr}, momentum 0.9, cosine, batch 64), ${1 + scale.population * scale.generations} candidates per search`,
      charts: [
        {
          title: 'Best validation accuracy against candidates trained',
          groups: STRATEGIES,
          xLabel: 'candidates trained',
          yLabel: 'best validation accuracy so far',
        },
      ],
      markdown: () =>
        [
          `Every search starts from \`seed-ga\` at width ${scale.width} and trains ${1 + scale.population * scale.generations} candidates (the start model and ${scale.population} × ${scale.generations}); hill climbing uses the same cosine runs as the others. The plan is \`${SEED_STYLE_PLAN.slice(0, scale.population * scale.generations).join('; ')}\`, one command per candidate.`,
          '',
          spreadTable('strategy', figures, [
            ['best val acc'],
            ['winner test acc'],
            ['winner params', 0],
            ['search s', 0],
          ]),
          '',
          ...comparisons.map((c) => `- ${c.sentence}`),
          '',
          'Per-operation statistics, summed over seeds (a child made by two commands counts for both):',
          '',
          markdownTable(
            ['strategy', 'command', 'chosen', 'beat its parent', 'mean val acc gain'],
            operations.flatMap(({ strategy: k, stats }) =>
              stats.map((o) => [
                k,
                o.op,
                String(o.chosen),
                `${o.beatParent}/${o.compared}`,
                o.meanGain === null ? '—' : o.meanGain.toFixed(4),
              ]),
            ),
          ),
          '',
          'Winners and their lineages:',
          '',
          ...lineages.map((l) => `- ${l}`),
        ].join('\n'),
    };
  },
};

/** A search as a run record: the curve is the best validation accuracy after each candidate. */
function record(group: string, seed: number, s: SearchRun): RunRecord {
  const best = s.result.best;
  const curve = bestSoFar(s.result).map((p) => ({
    epoch: p.candidates,
    loss: NaN,
    acc: null,
    valLoss: null,
    valAcc: p.valAcc,
    seconds: NaN,
  }));
  return {
    group,
    seed,
    runId: s.id,
    output: s.folder,
    checkpoint: best?.checkpoint ?? null,
    status: 'completed',
    // The candidate count: a search's budget, where a run record holds epochs.
    epochs: s.result.candidates,
    params: best?.params ?? null,
    valAcc: best?.valAcc ?? null,
    testAcc: s.result.finalists?.find((f) => f.candidateId === best?.candidateId)?.testAcc ?? null,
    wallSeconds: s.wallSeconds,
    trainFlops: null,
    curve,
  };
}

/** Per-operation statistics of several searches as one table (mean gain weighted by count). */
export function sumOperations(lists: ReadonlyArray<readonly OperationStat[]>): OperationStat[] {
  const by = new Map<string, OperationStat & { gainSum: number }>();
  for (const o of lists.flat()) {
    const t = by.get(o.op) ?? { op: o.op, chosen: 0, compared: 0, beatParent: 0, meanGain: null, gainSum: 0 };
    t.chosen += o.chosen;
    t.compared += o.compared;
    t.beatParent += o.beatParent;
    t.gainSum += (o.meanGain ?? 0) * o.compared;
    by.set(o.op, t);
  }
  return [...by.values()]
    .map(({ gainSum, ...o }) => ({ ...o, meanGain: o.compared > 0 ? gainSum / o.compared : null }))
    .sort((a, b) => b.chosen - a.chosen || a.op.localeCompare(b.op));
}

export const runStrategies = (argv: string[], log?: (l: string) => void) => runDriver(strategies, argv, log);

if (require.main === module) mainDriver(strategies);
