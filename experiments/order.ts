/**
 * Experiment 4 of issue 13: the order of growth. From the same trained teacher, deeper then
 * wider against wider then deeper, to the same final architecture (checked: the two final
 * graphs have equal signatures), each stage trained the same number of epochs. The seed found
 * similar final accuracy and that deepening first grows more stably; stability is measured
 * here as the change in validation accuracy over the first epoch after each growth step, and
 * the spread over seeds.
 *
 *   npx tsx experiments/order.ts [--full] [--set name=value] [--out DIR] [--results FILE|none]
 */
import { join } from 'node:path';
import {
  architectureSignature,
  comparisonRow,
  describeArchitecture,
  DriverDefinition,
  formatSpread,
  forSeeds,
  groupFigures,
  growCheckpoint,
  mainDriver,
  runDriver,
  RunRecord,
  scaledBuiltin,
  spreadTable,
  writeGraphFile,
} from './lib';

/** Deepening first: the inserted layers are widened with the rest in the second stage. */
export const DEEPER_THEN_WIDER = [
  'deeper conv2; deeper fc1',
  'wider conv1 x2; wider conv2 x2; wider conv3 x2; wider fc1 x2; wider fc2 x2',
];
export const WIDER_THEN_DEEPER = ['wider conv1 x2; wider conv2 x2; wider fc1 x2', 'deeper conv2; deeper fc1'];

const scaled = {
  seeds: 3,
  dataset: 'fashion-mnist',
  limit: 0.1,
  validation: 0.1,
  /** Width multiplier of the seed's teacher. */
  width: 0.25,
  teacherEpochs: 8,
  stageEpochs: 4,
  lr: 0.02,
};
type Scale = typeof scaled;
const full: Scale = { ...scaled, limit: 1, width: 1, teacherEpochs: 15, stageEpochs: 8 };

const ORDERS = { 'deeper→wider': DEEPER_THEN_WIDER, 'wider→deeper': WIDER_THEN_DEEPER } as const;
type Order = keyof typeof ORDERS;

export const order: DriverDefinition<Scale> = {
  name: 'order',
  file: 'order.ts',
  title: 'Experiment 4: deeper→wider against wider→deeper to the same architecture',
  description: 'deeper→wider vs wider→deeper (issue 13, experiment 4)',
  scaled,
  full,
  dataset: (s) => ({ name: s.dataset, limit: s.limit, validation: s.validation }),
  async run({ scale, runner }) {
    const rows = await runner.rows();
    const shape = { inputShape: [...rows.inputShape], numClasses: rows.numClasses };
    const teacherGraph = scaledBuiltin('seed-teacher', shape, scale.width);
    const teacherStart = writeGraphFile(join(runner.out, 'nets', 'teacher'), teacherGraph);
    const optimizer = { kind: 'sgd' as const, lr: scale.lr, momentum: 0.9, nesterov: false };
    const finals = new Map<Order, string>();
    const archs = new Map<Order, string>();
    await forSeeds(scale.seeds, async (seed) => {
      const teacher = await runner.train({
        group: 'teacher',
        seed,
        start: teacherStart,
        epochs: scale.teacherEpochs,
        optimizer: { ...optimizer, lr: 0.05 },
      });
      for (const [name, stages] of Object.entries(ORDERS) as Array<[Order, readonly string[]]>) {
        let parent = teacher;
        for (const [i, cmds] of stages.entries()) {
          if (!parent.checkpoint) throw new Error(`${parent.runId} did not complete`);
          const dir = join(
            runner.out,
            'nets',
            `${name === 'deeper→wider' ? 'dw' : 'wd'}-stage${i + 1}-s${seed}`,
          );
          const grown = await growCheckpoint(parent.checkpoint, cmds, seed, dir);
          if (i === stages.length - 1) {
            finals.set(name, architectureSignature(grown.applied.graph));
            archs.set(name, describeArchitecture(grown.applied.graph));
          }
          parent = await runner.train({
            group: name,
            stage: `stage${i + 1}`,
            seed,
            start: grown.uri,
            epochs: scale.stageEpochs,
            optimizer,
          });
        }
      }
    });
    const same = finals.get('deeper→wider') === finals.get('wider→deeper');
    if (!same) throw new Error('the two orders did not reach the same architecture');

    const stageRun = (g: string, stage: number, seed: number): RunRecord | undefined =>
      runner.records.find((r) => r.group === g && r.seed === seed && r.runId.includes(`stage${stage}`));
    const teacherOf = (seed: number) => runner.records.find((r) => r.group === 'teacher' && r.seed === seed);
    const seeds = Array.from({ length: scale.seeds }, (_, i) => i + 1);
    // Validation accuracy over the first epoch after a growth step, against the parent's last.
    const firstEpochChange = (g: string, stage: number) =>
      seeds.map((s) => {
        const run = stageRun(g, stage, s);
        const before = stage === 1 ? teacherOf(s)?.valAcc : stageRun(g, 1, s)?.valAcc;
        const after = run?.curve[0]?.valAcc;
        return before != null && after != null ? after - before : NaN;
      });
    const figures = groupFigures(Object.keys(ORDERS), {
      'Δ val acc, epoch 1 of stage 1': (g) => firstEpochChange(g, 1),
      'val acc after stage 1': (g) => seeds.map((s) => stageRun(g, 1, s)?.valAcc ?? NaN),
      'Δ val acc, epoch 1 of stage 2': (g) => firstEpochChange(g, 2),
      'final val acc': (g) => seeds.map((s) => stageRun(g, 2, s)?.valAcc ?? NaN),
      'test acc': (g) => seeds.map((s) => stageRun(g, 2, s)?.testAcc ?? NaN),
    });
    const teacherFigures = groupFigures(['teacher'], {
      'final val acc': () => seeds.map((s) => teacherOf(s)?.valAcc ?? NaN),
      'test acc': () => seeds.map((s) => teacherOf(s)?.testAcc ?? NaN),
    });
    const comparisons = ['test acc', 'final val acc', 'Δ val acc, epoch 1 of stage 2'].map((m) =>
      comparisonRow(figures, 'deeper→wider', 'wider→deeper', m),
    );
    const metrics = Object.keys(figures[0].spread);
    return {
      groups: [...teacherFigures, ...figures],
      comparisons,
      notes: comparisons.map((c) => c.sentence),
      epochs: `teacher ${scale.teacherEpochs} (SGD lr 0.05), then two growth stages of ${scale.stageEpochs} each (SGD lr ${scale.lr}; momentum 0.9, cosine per stage, batch 64)`,
      charts: Object.keys(ORDERS).map((g) => ({
        title: `${g}: stage 1 then stage 2`,
        groups: [g],
        offset: (r: RunRecord) => (r.runId.includes('stage2') ? scale.stageEpochs : 0),
      })),
      markdown: () =>
        [
          `Deeper→wider: \`${DEEPER_THEN_WIDER.join('` then `')}\`. Wider→deeper: \`${WIDER_THEN_DEEPER.join('` then `')}\`. Both end at ${archs.get('deeper→wider')} (the final graphs were checked equal, names aside); the teacher is ${describeArchitecture(teacherGraph)}.`,
          '',
          spreadTable(
            'order',
            figures,
            metrics.map((m) => [m]),
          ),
          '',
          `- Teacher: val acc ${formatSpread(teacherFigures[0].spread['final val acc'])}, test acc ${formatSpread(teacherFigures[0].spread['test acc'])}.`,
          '- Δ val acc, epoch 1 of a stage: validation accuracy after the first epoch of training the grown network, minus its parent’s final validation accuracy (negative: the growth step plus the restarted learning rate cost accuracy before it paid).',
          ...comparisons.map((c) => `- ${c.sentence}`),
        ].join('\n'),
    };
  },
};

export const runOrder = (argv: string[], log?: (l: string) => void) => runDriver(order, argv, log);

if (require.main === module) mainDriver(order);
