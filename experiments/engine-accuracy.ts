/**
 * The graph engine against tfjs eager on the same runs (issue 20): LeNet on Fashion-MNIST with
 * the default recipe (the fashion-lenet experiment of docs/RESULTS.md), trained seed for seed
 * on each engine from the same initial weights and batch order. Asks two things: do the two
 * reach the same accuracy (Welch's t on test and validation accuracy over seeds), and how long
 * does each take (wall seconds of the whole run, scoring included). The order of the two runs
 * alternates from seed to seed, so that load that drifts over the run does not favour one.
 *
 *   npx tsx experiments/engine-accuracy.ts [--full] [--set name=value] [--out DIR] [--results FILE|none]
 */
import {
  comparisonRow,
  DriverDefinition,
  formatSpread,
  forSeeds,
  groupFigures,
  mainDriver,
  runDriver,
  RunRecord,
  spread,
  spreadTable,
} from './lib';

const scaled = {
  seeds: 3,
  dataset: 'fashion-mnist',
  limit: 0.25,
  validation: 0.1,
  epochs: 5,
  network: 'lenet',
};
type Scale = typeof scaled;

export const GROUPS = ['graph engine', 'tfjs eager'] as const;

export const engineAccuracy: DriverDefinition<Scale> = {
  name: 'engine-accuracy',
  file: 'engine-accuracy.ts',
  title: 'The graph engine against tfjs eager: the same runs, seed for seed',
  description: 'LeNet with the default recipe on the graph engine and on tfjs eager, same seeds',
  scaled,
  full: { ...scaled, limit: 1, epochs: 15 },
  dataset: (s) => ({ name: s.dataset, limit: s.limit, validation: s.validation }),
  async run({ scale, runner, log }) {
    const eager = runner.backend.name;
    const common = { epochs: scale.epochs, start: `builtin:${scale.network}` };
    const pairs = await forSeeds(scale.seeds, async (seed) => {
      const graphRun = () => runner.train({ ...common, seed, group: GROUPS[0], backend: 'graph' });
      const eagerRun = () => runner.train({ ...common, seed, group: GROUPS[1] });
      // Odd seeds train on the engine first, even seeds on eager first.
      if (seed % 2 === 1) {
        const g = await graphRun();
        return { seed, graph: g, eager: await eagerRun() };
      }
      const e = await eagerRun();
      return { seed, graph: await graphRun(), eager: e };
    });
    const epochSeconds = (r: RunRecord) => r.curve.reduce((a, p) => a + p.seconds, 0) / r.curve.length;
    const figures = groupFigures(GROUPS, {
      'val acc': (g) => runner.runsOf(g).map((r) => r.valAcc ?? NaN),
      'test acc': (g) => runner.runsOf(g).map((r) => r.testAcc ?? NaN),
      'run s': (g) => runner.runsOf(g).map((r) => r.wallSeconds),
      's per epoch': (g) => runner.runsOf(g).map(epochSeconds),
    });
    const comparisons = ['test acc', 'val acc'].map((m) => comparisonRow(figures, GROUPS[0], GROUPS[1], m));
    const speedups = spread(pairs.map((p) => p.eager.wallSeconds / p.graph.wallSeconds));
    const firstLoss = pairs.map((p) => Math.abs(p.graph.curve[0].loss - p.eager.curve[0].loss));
    const notes = [
      ...comparisons.map((c) => c.sentence),
      `whole-run wall time, tfjs eager (${eager}) ÷ graph engine, seed for seed: ${formatSpread(speedups, 2)} (range ${speedups.min.toFixed(2)}–${speedups.max.toFixed(2)})`,
      `mean training loss of the first epoch, |graph − eager| per seed: ${firstLoss.map((d) => d.toExponential(1)).join(', ')}`,
      ...pairs.map(
        (p) =>
          `seed ${p.seed}: test ${p.graph.testAcc?.toFixed(4)} (graph) vs ${p.eager.testAcc?.toFixed(4)} (eager); ${p.graph.wallSeconds.toFixed(0)} s vs ${p.eager.wallSeconds.toFixed(0)} s`,
      ),
    ];
    log(notes.join('\n'));
    return {
      groups: figures,
      comparisons,
      notes,
      epochs: `${scale.epochs} for every run: the TrainSpec defaults (SGD lr 0.05, momentum 0.9, batch 64, cosine to 0, no augmentation)`,
      charts: [{ title: 'validation accuracy by epoch', groups: [...GROUPS], xLabel: 'epoch' }],
      markdown: () =>
        [
          `${scale.network} from the same initial weights and batch order per seed, once on the graph engine (\`backend: graph\`: one TensorFlow session run per step) and once with tfjs eager on the process's \`${eager}\` backend; everything else is the TrainSpec default. Run seconds: the whole run, validation and test scoring included, one run at a time, the order alternating by seed.`,
          '',
          spreadTable('engine', figures, [['val acc'], ['test acc'], ['run s', 0], ['s per epoch', 1]], {
            n: true,
          }),
          '',
          ...notes.map((n) => `- ${n}`),
        ].join('\n'),
    };
  },
};

export const runEngineAccuracy = (argv: string[], log?: (l: string) => void) =>
  runDriver(engineAccuracy, argv, log);

if (require.main === module) mainDriver(engineAccuracy);
