/**
 * The control for the quickstart's claim (examples/quickstart.yaml): its GA search raises the
 * best validation accuracy generation by generation, but every child also trains two more
 * epochs on top of its parent, so the rise may be nothing but more epochs. This driver runs
 * the quickstart search as configured (through `netgrow search`), then trains, from random
 * initialisation and for as many epochs as the winner's lineage accumulated, the winner's
 * architecture and the start architecture, on the same rows (the search's split), over seeds.
 *
 *   npx tsx experiments/quickstart-control.ts [--set name=value] [--out DIR] [--results FILE|none]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { SearchConfig } from '../src/search/config';
import {
  compareOne,
  describeArchitecture,
  describeComparison,
  DriverDefinition,
  forSeeds,
  formatSpread,
  groupFigures,
  lineageOf,
  loadNetwork,
  mainDriver,
  markdownTable,
  runDriver,
  runRecord,
  runSearch,
  writeGraphFile,
} from './lib';

const QUICKSTART = resolve(__dirname, '..', 'examples', 'quickstart.yaml');
const quickstart = SearchConfig.parse(parse(readFileSync(QUICKSTART, 'utf8')));
const grown = quickstart.strategy.kind === 'plan' ? null : quickstart.strategy;

/** The quickstart's own sizes (read from the file, so they cannot drift); --set shrinks them for tests. */
const scaled = {
  seeds: 3,
  dataset: quickstart.dataset.name,
  limit: quickstart.dataset.limit,
  validation: quickstart.dataset.validation,
  start: quickstart.start.arch,
  population: grown?.population ?? 3,
  generations: grown?.generations ?? 4,
  epochs: quickstart.train.epochs,
};
type Scale = typeof scaled;

export const GROUPS = [
  'quickstart search (its winner)',
  'winner architecture from scratch',
  'start architecture from scratch',
];

export const quickstartControl: DriverDefinition<Scale> = {
  name: 'quickstart-control',
  file: 'quickstart-control.ts',
  title: "The quickstart's search against its control: the same epochs from scratch",
  description: 'the quickstart search and the same architectures trained from scratch for the same epochs',
  scaled,
  full: scaled,
  dataset: (s) => ({ name: s.dataset, limit: s.limit, validation: s.validation, splitSeed: quickstart.seed }),
  async run({ scale, runner, log }) {
    const search = await runSearch(
      {
        ...quickstart,
        name: 'quickstart-control',
        dataset: {
          ...quickstart.dataset,
          name: scale.dataset,
          limit: scale.limit,
          validation: scale.validation,
        },
        start: { arch: scale.start },
        strategy: { ...quickstart.strategy, population: scale.population, generations: scale.generations },
        train: { ...quickstart.train, epochs: scale.epochs },
        temporal: { address: null, namespace: quickstart.temporal.namespace },
      },
      runner.out,
    );
    const group = GROUPS[0];
    // The search's own scratch control is not one of its candidates.
    search.candidates = search.candidates.filter((c) => c.id !== search.result.scratch?.candidateId);
    for (const c of search.candidates) runner.records.push(await runRecord(group, 0, c.output, c.result));
    const best = search.result.best;
    if (!best?.checkpoint) throw new Error(`search ${search.id} has no trained winner`);
    const lineage = lineageOf(search.candidates, best.candidateId);
    const lineageEpochs = lineage.reduce((a, c) => a + c.result.epochsRun, 0);
    const winner = await loadNetwork(best.checkpoint);
    const winnerStart = writeGraphFile(join(runner.out, 'nets', 'winner'), winner.graph);
    const startUri =
      scale.start.includes('/') || scale.start.endsWith('.json') ? scale.start : `builtin:${scale.start}`;
    log(
      `${search.id}: winner ${best.candidateId}, lineage ${lineage.map((c) => c.id).join(' → ')}, ${lineageEpochs} epochs`,
    );
    const optimizer = quickstart.train.optimizer;
    await forSeeds(scale.seeds, async (seed) => {
      const common = { seed, epochs: lineageEpochs, optimizer, schedule: quickstart.train.schedule };
      await runner.train({ ...common, group: GROUPS[1], start: winnerStart });
      await runner.train({ ...common, group: GROUPS[2], start: startUri });
    });

    // The best validation accuracy among the candidates of each generation (the claim's curve).
    const generations = [...new Set(search.candidates.map((c) => c.generation))].sort((a, b) => a - b);
    const valAcc = (c: (typeof search.candidates)[number]) =>
      c.result.validation?.acc ?? c.result.final?.valAcc ?? NaN;
    const bestByGeneration = generations.map((g) =>
      Math.max(...search.candidates.filter((c) => c.generation <= g).map(valAcc)),
    );
    const winnerTest =
      search.result.finalists?.find((f) => f.candidateId === best.candidateId)?.testAcc ?? NaN;
    const figures = groupFigures(GROUPS.slice(1), {
      'val acc': (g) => runner.runsOf(g).map((r) => r.valAcc ?? NaN),
      'test acc': (g) => runner.runsOf(g).map((r) => r.testAcc ?? NaN),
      'wall s': (g) => runner.runsOf(g).map((r) => r.wallSeconds),
    });
    const searchFigures = groupFigures([group], {
      'val acc': () => [best.valAcc ?? NaN],
      'test acc': () => [winnerTest],
      'wall s': () => [search.wallSeconds],
    });
    // One search, so no spread of its own: its winner as one more draw against each control's seeds.
    const verdict = (g: string): string => {
      const f = figures.find((x) => x.group === g)!.spread['test acc'];
      return `test acc: ${describeComparison('winner', g, compareOne(winnerTest, f))}; ${g} ${formatSpread(f)} over ${f.n} seeds`;
    };
    const inSearch = search.result.scratch;
    const notes = [
      `best validation accuracy so far, by generation: ${bestByGeneration.map((v, i) => `g${generations[i]} ${v.toFixed(4)}`).join(', ')}`,
      verdict(GROUPS[1]),
      verdict(GROUPS[2]),
      ...(inSearch
        ? [
            `the search's own scratch control (${inSearch.match ?? 'epochs'}-matched, ${inSearch.epochs} epochs, one seed): test acc ${inSearch.testAcc?.toFixed(4) ?? '—'} against the winner's ${winnerTest.toFixed(4)}`,
          ]
        : []),
    ];
    return {
      groups: [...searchFigures, ...figures],
      comparisons: [],
      notes,
      epochs: `search: ${scale.epochs} per candidate (${quickstart.train.continue === 'lineage' ? 'one cosine schedule along each lineage, optimizer state carried' : 'cosine per run'}), the winner's lineage ${lineage.length} trainings = ${lineageEpochs} epochs; controls: ${lineageEpochs} in one cosine run (SGD lr ${optimizer.lr}, momentum ${optimizer.kind === 'sgd' ? optimizer.momentum : '—'}, batch 64). The search is one run (seed ${quickstart.seed}); the controls have seeds`,
      charts: [{ title: 'controls: validation accuracy', groups: GROUPS.slice(1) }],
      markdown: () =>
        [
          `The search: examples/quickstart.yaml (${scale.start}, ${quickstart.strategy.kind} population ${scale.population}, ${scale.generations} generations, ${scale.epochs} epochs per candidate, ${search.candidates.length} candidates) as experiment \`${search.id}\`, ${(search.wallSeconds / 60).toFixed(1)} min. Winner \`${best.candidateId}\` (${describeArchitecture(winner.graph)}), lineage ${lineage.map((c) => `\`${c.id}\``).join(' → ')} (${
            lineage
              .slice(1)
              .flatMap((c) => c.ops)
              .map((o) => `\`${o}\``)
              .join(', ') || 'no mutation'
          }).`,
          '',
          markdownTable(
            ['network', 'epochs', 'val acc', 'test acc', 'wall s'],
            [...searchFigures, ...figures].map((f) => [
              f.group,
              String(lineageEpochs),
              formatSpread(f.spread['val acc']),
              formatSpread(f.spread['test acc']),
              formatSpread(f.spread['wall s'], 0),
            ]),
          ),
          '',
          ...notes.map((n) => `- ${n}`),
          "- The winner's validation accuracy is the best of every candidate on the same validation rows, so it is biased upwards; its test accuracy (scored once, after the search) is the fair figure. The search's wall time covers every candidate, the controls' one run each.",
        ].join('\n'),
    };
  },
};

export const runQuickstartControl = (argv: string[], log?: (l: string) => void) =>
  runDriver(quickstartControl, argv, log);

if (require.main === module) mainDriver(quickstartControl);
