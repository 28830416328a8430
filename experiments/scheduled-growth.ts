/**
 * Scheduled growth against the final architecture from scratch (issue 19): one training run
 * that starts from a builtin (LeNet by default; `--set network=resnet-s`) at half width and
 * grows it, function-preserving, at fixed points of one cosine schedule (`grow` in the
 * TrainSpec: the weights and the optimizer state go through the commands) into that builtin,
 * against the builtin trained from random weights over the same epochs, schedule and recipe,
 * seed for seed. The question is the one progressive growing (MSG, LiGO) answers:
 * how much training compute does the grown run need to reach the scratch run's final
 * validation accuracy? Training FLOPs are counted per epoch from each stage's architecture
 * (forward + backward per sample × training images), and checked against the run's own count.
 *
 * `--set reuse=true` reports a run already finished in the output folder (`<out>/runs/<run>`,
 * its epochs complete) instead of training it again: a driver interrupted part way, or a
 * variant whose control is another variant's, same seeds, rows and recipe (copy those run
 * folders in; the section says so).
 *
 *   npx tsx experiments/scheduled-growth.ts [--set name=value] [--out DIR] [--results FILE|none]
 */
import { join } from 'node:path';
import { builtin, countFlops, type Graph, Rng } from '../src/graph';
import { planCommands } from '../src/morph';
import { growthEpochs } from '../src/train/grow';
import {
  comparisonRow,
  describeArchitecture,
  DriverDefinition,
  formatP,
  formatSpread,
  forSeeds,
  groupFigures,
  mainDriver,
  runDriver,
  recipeTerms,
  RunRecord,
  scaledBuiltin,
  spread,
  spreadTable,
  studentTwoSided,
  writeGraphFile,
} from './lib';

const scaled = {
  seeds: 3,
  dataset: 'fashion-mnist',
  limit: 0.2,
  validation: 0.25,
  epochs: 12,
  /** The builtin both runs end as; the grown run starts from it at `startWidth`. */
  network: 'lenet',
  lr: 0.05,
  /** Width of the start network: the network's widths × this; the commands double it back. */
  startWidth: 0.5,
  at1: 0.25,
  grow1: 'wider conv1 x2; wider conv2 x2',
  at2: 0.5,
  grow2: 'wider fc1 x2; wider fc2 x2',
  /** The recipe, the same for both runs (the defaults: the first measurement's plain SGD). */
  batchSize: 64,
  nesterov: false,
  warmupEpochs: 0,
  weightDecay: 0,
  labelSmoothing: 0,
  augment: false,
  /** `graph`: both runs on the graph engine; '' = tfjs eager on the driver's backend. */
  engine: '',
  /** Report runs the output folder already holds, finished, instead of training them again. */
  reuse: false,
  /** New units at each growth point: `preserve` (Net2Net, function-preserving) or `random`. */
  init: 'preserve',
};
type Scale = typeof scaled;

export const GROUPS = ['grown during training', 'final architecture from scratch'] as const;

export const scheduledGrowth: DriverDefinition<Scale> = {
  name: 'scheduled-growth',
  file: 'scheduled-growth.ts',
  title: 'Scheduled growth within one run against the final architecture from scratch',
  description:
    'a builtin at half width grown to the builtin at two points of one schedule, against it from scratch',
  scaled,
  full: { ...scaled, limit: 1, validation: 0.1, epochs: 20 },
  dataset: (s) => ({ name: s.dataset, limit: s.limit, validation: s.validation }),
  async run({ scale, runner, log }) {
    const rows = await runner.rows();
    const shape = { inputShape: [...rows.inputShape], numClasses: rows.numClasses };
    if (scale.init !== 'preserve' && scale.init !== 'random') {
      throw new Error(`init: '${scale.init}' is not one; use preserve or random`);
    }
    const init: 'preserve' | 'random' = scale.init;
    const grow = [
      { at: scale.at1, ops: scale.grow1, init },
      { at: scale.at2, ops: scale.grow2, init },
    ];
    // The architecture of each stage: the start, then after each growth point's commands.
    const stages: Graph[] = [scaledBuiltin(scale.network, shape, scale.startWidth)];
    for (const g of grow) stages.push(planCommands(stages.at(-1)!, g.ops, new Rng(0)).graph);
    const final = stages.at(-1)!;
    const reference = builtin(scale.network, shape);
    if (describeArchitecture(final) !== describeArchitecture(reference)) {
      throw new Error(
        `the grown network is ${describeArchitecture(final)}, not ${scale.network}'s ${describeArchitecture(reference)}`,
      );
    }
    const points = growthEpochs({ grow, epochs: scale.epochs });
    const stageOf = (epoch: number) => points.filter((p) => p < epoch).length;
    const perEpoch = (g: Graph) => countFlops(g).trainFlops * rows.train.count;
    const cumulative = (graphOf: (epoch: number) => Graph) => {
      let sum = 0;
      return Array.from({ length: scale.epochs }, (_, i) => (sum += perEpoch(graphOf(i + 1))));
    };
    const flops: Record<string, number[]> = {
      [GROUPS[0]]: cumulative((e) => stages[stageOf(e)]),
      [GROUPS[1]]: cumulative(() => final),
    };
    const startUri = writeGraphFile(join(runner.out, 'nets', 'start'), stages[0]);
    const finalUri = writeGraphFile(join(runner.out, 'nets', 'final'), final);
    const optimizer = { kind: 'sgd' as const, lr: scale.lr, momentum: 0.9, nesterov: scale.nesterov };
    const schedule = {
      kind: 'cosine' as const,
      minLr: 0,
      ...(scale.warmupEpochs ? { warmupEpochs: scale.warmupEpochs } : {}),
    };
    if (scale.engine !== '' && scale.engine !== 'graph') {
      throw new Error(`engine: '${scale.engine}' is not one; use graph, or '' for tfjs eager`);
    }
    const common = {
      epochs: scale.epochs,
      optimizer,
      schedule,
      batchSize: scale.batchSize,
      augment: scale.augment,
      weightDecay: scale.weightDecay,
      labelSmoothing: scale.labelSmoothing,
      ...(scale.engine === 'graph' ? { backend: 'graph' as const } : {}),
    };
    const reused: string[] = [];
    const trainOrReuse = async (req: Parameters<typeof runner.train>[0]) => {
      const done = scale.reuse ? await runner.finished(req) : null;
      if (done) reused.push(`${req.group} seed ${req.seed}`);
      return done ?? (await runner.train(req));
    };
    const pairs = await forSeeds(scale.seeds, async (seed) => {
      const grown = await trainOrReuse({ ...common, seed, group: GROUPS[0], start: startUri, grow });
      const scratch = await trainOrReuse({ ...common, seed, group: GROUPS[1], start: finalUri });
      for (const r of [grown, scratch]) {
        const counted = flops[r.group].at(-1)!;
        if (r.trainFlops !== null && Math.abs(r.trainFlops - counted) > 1e-6 * counted) {
          throw new Error(
            `${r.runId}: the run counted ${r.trainFlops} training FLOPs, the stages ${counted}`,
          );
        }
      }
      return { seed, grown, scratch };
    });

    // Per seed: the scratch run's final validation accuracy is the target for both runs.
    const reach = (r: RunRecord, target: number): number => {
      const i = r.curve.findIndex((p) => p.valAcc !== null && p.valAcc >= target);
      return i < 0 ? NaN : flops[r.group][i];
    };
    const perSeed = pairs.map(({ seed, grown, scratch }) => {
      const target = scratch.valAcc ?? NaN;
      const grownFlops = reach(grown, target);
      const scratchFlops = reach(scratch, target);
      return { seed, target, grownFlops, scratchFlops, ratio: grownFlops / scratchFlops };
    });
    const figures = groupFigures(GROUPS, {
      'val acc': (g) => runner.runsOf(g).map((r) => r.valAcc ?? NaN),
      'test acc': (g) => runner.runsOf(g).map((r) => r.testAcc ?? NaN),
      'training GFLOPs': (g) => runner.runsOf(g).map((r) => (r.trainFlops ?? NaN) / 1e9),
      'training s': (g) => runner.runsOf(g).map((r) => r.wallSeconds),
    });
    const comparisons = ['val acc', 'test acc'].map((m) => comparisonRow(figures, GROUPS[0], GROUPS[1], m));
    const reached = perSeed.filter((s) => Number.isFinite(s.grownFlops));
    const ratios = spread(reached.map((s) => s.ratio));
    // Paired over seeds: the log of the FLOP ratio against 0 (equal compute), a one-sample t-test.
    const logs = spread(reached.map((s) => Math.log(s.ratio)));
    const t = logs.mean / (logs.std / Math.sqrt(logs.n));
    const tested = logs.n > 1 && logs.std > 0;
    const ratioNote =
      reached.length === 0
        ? `the grown run reached its seed's scratch accuracy in none of ${perSeed.length} seeds`
        : `FLOPs to reach the scratch run's final validation accuracy, grown ÷ scratch: ${formatSpread(ratios, 3)} over the ${reached.length} of ${perSeed.length} seeds where the grown run reached it` +
          (tested
            ? ` (log ratio vs 0: t ${t.toFixed(2)}, df ${logs.n - 1}, ${formatP(studentTwoSided(t, logs.n - 1))})`
            : '');
    const notes = [
      ...(reused.length > 0
        ? [
            `not trained by this run (\`reuse\`): ${reused.join(', ')}, finished runs found in its output folder`,
          ]
        : []),
      ...comparisons.map((c) => c.sentence),
      ratioNote,
      ...perSeed.map(
        (s) =>
          `seed ${s.seed}: target ${s.target.toFixed(4)}; grown reached it at ${Number.isFinite(s.grownFlops) ? `${(s.grownFlops / 1e9).toFixed(1)} GFLOPs` : 'no epoch'}, scratch at ${(s.scratchFlops / 1e9).toFixed(1)} GFLOPs`,
      ),
    ];
    log(notes.join('\n'));
    return {
      groups: figures,
      comparisons,
      notes,
      epochs: `${scale.epochs} for both runs, one cosine schedule from SGD lr ${scale.lr} (${recipe(scale)}); growth after epochs ${points.join(' and ')}`,
      charts: [{ title: 'validation accuracy by epoch', groups: [...GROUPS], xLabel: 'epoch' }],
      markdown: () =>
        [
          `The grown run starts from ${describeArchitecture(stages[0])} (${scale.network} × ${scale.startWidth}) and grows after epoch ${points[0]} by \`${scale.grow1}\` and after epoch ${points[1]} by \`${scale.grow2}\` into ${describeArchitecture(final)}, ${scale.network}'s architecture; its weights and SGD momentum go through each growth, ${init === 'preserve' ? 'function-preserving' : "the new units from their parameters' initialisers (`init: random`), not function-preserving"}, and it stays on one cosine schedule. The control trains ${scale.network} from random weights over the same ${scale.epochs} epochs and schedule, seed for seed (same rows, same batch order per seed). Training FLOPs: forward + backward per sample × ${rows.train.count.toLocaleString('en-US')} training images per epoch, per stage (${stages.map((g) => `${(perEpoch(g) / 1e9).toFixed(2)}`).join(' → ')} GFLOPs per epoch), equal to each run's own count.`,
          '',
          spreadTable(
            'run',
            figures,
            [['val acc'], ['test acc'], ['training GFLOPs', 1], ['training s', 0]],
            { n: true },
          ),
          '',
          ...notes.map((n) => `- ${n}`),
          `- training FLOPs of the whole run: grown ${(flops[GROUPS[0]].at(-1)! / 1e9).toFixed(1)} GFLOPs, scratch ${(flops[GROUPS[1]].at(-1)! / 1e9).toFixed(1)} (${(flops[GROUPS[0]].at(-1)! / flops[GROUPS[1]].at(-1)!).toFixed(3)}×), the same for every seed`,
        ].join('\n'),
    };
  },
};

/** The recipe past the learning rate, in words. */
function recipe(s: Scale): string {
  return [
    `momentum 0.9${s.nesterov ? ', Nesterov' : ''}`,
    `batch ${s.batchSize}`,
    ...recipeTerms({ ...s, graphEngine: s.engine === 'graph' }),
  ].join(', ');
}

export const runScheduledGrowth = (argv: string[], log?: (l: string) => void) =>
  runDriver(scheduledGrowth, argv, log);

if (require.main === module) mainDriver(scheduledGrowth);
