/**
 * Experiment 1 of issue 13, Net2Net's headline (Chen, Goodfellow & Shlens 2016, figs. 4–5):
 * a teacher trained to convergence; its Net2WiderNet and Net2DeeperNet students against the
 * same student architectures from random initialisation, and the wider student also from
 * random padding (`init=random-pad`: new units random, not function-preserving). Every student
 * trains with the same schedule. Figures: validation accuracy after the first epoch and at the
 * end, test accuracy, and the epochs each student needs to reach its teacher's validation
 * accuracy. One teacher per seed; the students of a seed start from that seed's teacher.
 *
 *   npx tsx experiments/net2net.ts [--full] [--set name=value] [--out DIR] [--results FILE|none]
 */
import { join } from 'node:path';
import {
  comparisonRow,
  describeArchitecture,
  DriverDefinition,
  forSeeds,
  groupFigures,
  growCheckpoint,
  mainDriver,
  markdownTable,
  RunRecord,
  runDriver,
  scaledBuiltin,
  spread,
  formatSpread,
  writeGraphFile,
} from './lib';

const WIDER = 'wider conv1 x2; wider conv2 x2; wider fc1 x2';
const DEEPER = 'deeper conv2; deeper fc1';
const randomPad = (cmds: string) =>
  cmds
    .split(';')
    .map((c) => `${c.trim()} init=random-pad`)
    .join('; ');

const scaled = {
  seeds: 3,
  dataset: 'fashion-mnist',
  limit: 0.1,
  validation: 0.1,
  /** Width multiplier of the seed's teacher (conv 64, 64 · fc 64). */
  width: 0.25,
  teacherEpochs: 10,
  studentEpochs: 6,
  teacherLr: 0.05,
  studentLr: 0.02,
};
type Scale = typeof scaled;
const full: Scale = { ...scaled, limit: 1, width: 1, teacherEpochs: 20, studentEpochs: 10 };

export const GROUPS = [
  'teacher',
  'wider net2net',
  'wider random-pad',
  'wider random-init',
  'deeper net2net',
  'deeper random-init',
] as const;

/** The first epoch whose validation accuracy reaches `target`; null when none does. */
export function epochsToReach(run: RunRecord, target: number): number | null {
  return run.curve.find((p) => p.valAcc !== null && p.valAcc >= target)?.epoch ?? null;
}

export const net2net: DriverDefinition<Scale> = {
  name: 'net2net',
  file: 'net2net.ts',
  title: "Experiment 1: Net2Net's headline — function-preserving students against random initialisation",
  description: "Net2Net's teacher/student comparison (issue 13, experiment 1)",
  scaled,
  full,
  dataset: (s) => ({ name: s.dataset, limit: s.limit, validation: s.validation }),
  async run({ scale, runner }) {
    const rows = await runner.rows();
    const shape = { inputShape: [...rows.inputShape], numClasses: rows.numClasses };
    const teacherGraph = scaledBuiltin('seed-teacher', shape, scale.width);
    const teacherStart = writeGraphFile(join(runner.out, 'nets', 'teacher'), teacherGraph);
    const sgd = (lr: number) => ({ kind: 'sgd' as const, lr, momentum: 0.9, nesterov: false });
    const toTeacher = new Map<string, number | null>();
    const archs = new Map<string, string>();
    await forSeeds(scale.seeds, async (seed) => {
      const teacher = await runner.train({
        group: 'teacher',
        seed,
        start: teacherStart,
        epochs: scale.teacherEpochs,
        optimizer: sgd(scale.teacherLr),
      });
      if (!teacher.checkpoint || teacher.valAcc === null)
        throw new Error(`teacher of seed ${seed} did not complete`);
      const target = teacher.valAcc;
      for (const [kind, cmds] of [
        ['wider', WIDER],
        ['deeper', DEEPER],
      ] as const) {
        const grown = await growCheckpoint(
          teacher.checkpoint,
          cmds,
          seed,
          join(runner.out, 'nets', `${kind}-s${seed}`),
        );
        archs.set(kind, describeArchitecture(grown.applied.graph));
        const starts: Array<[string, string]> = [
          [`${kind} net2net`, grown.uri],
          [
            `${kind} random-init`,
            writeGraphFile(join(runner.out, 'nets', `${kind}-fresh`), grown.applied.graph),
          ],
        ];
        if (kind === 'wider') {
          const padded = await growCheckpoint(
            teacher.checkpoint,
            randomPad(cmds),
            seed,
            join(runner.out, 'nets', `wider-pad-s${seed}`),
          );
          starts.push(['wider random-pad', padded.uri]);
        }
        for (const [group, start] of starts) {
          const r = await runner.train({
            group,
            seed,
            start,
            epochs: scale.studentEpochs,
            optimizer: sgd(scale.studentLr),
          });
          toTeacher.set(r.runId, epochsToReach(r, target));
        }
      }
      archs.set('teacher', describeArchitecture(teacherGraph));
    });

    const figures = groupFigures(GROUPS, {
      'val acc, epoch 1': (g) => runner.runsOf(g).map((r) => r.curve[0]?.valAcc ?? NaN),
      'final val acc': (g) => runner.runsOf(g).map((r) => r.valAcc ?? NaN),
      'test acc': (g) => runner.runsOf(g).map((r) => r.testAcc ?? NaN),
      'wall s': (g) => runner.runsOf(g).map((r) => r.wallSeconds),
    });
    const comparisons = ['wider', 'deeper'].flatMap((k) =>
      ['val acc, epoch 1', 'test acc'].flatMap((m) => [
        comparisonRow(figures, `${k} net2net`, `${k} random-init`, m),
        ...(k === 'wider' ? [comparisonRow(figures, 'wider net2net', 'wider random-pad', m)] : []),
      ]),
    );
    const reached = (g: string) => {
      const eps = runner.runsOf(g).map((r) => toTeacher.get(r.runId) ?? null);
      const hit = eps.filter((e): e is number => e !== null);
      return hit.length === 0
        ? `0/${eps.length} within ${scale.studentEpochs}`
        : `${hit.length}/${eps.length}: ${formatSpread(spread(hit), 1)}`;
    };
    return {
      groups: figures,
      comparisons,
      notes: comparisons.map((c) => c.sentence),
      epochs: `teacher ${scale.teacherEpochs} (SGD lr ${scale.teacherLr}, momentum 0.9, cosine), every student ${scale.studentEpochs} (SGD lr ${scale.studentLr}, momentum 0.9, cosine), batch 64`,
      charts: [
        {
          title: 'Net2WiderNet student vs random pad vs random init',
          groups: ['wider net2net', 'wider random-pad', 'wider random-init'],
        },
        { title: 'Net2DeeperNet student vs random init', groups: ['deeper net2net', 'deeper random-init'] },
        { title: 'Teacher', groups: ['teacher'] },
      ],
      markdown: () => {
        const table = markdownTable(
          [
            'network',
            'architecture',
            'val acc after epoch 1',
            'final val acc',
            'test acc',
            'epochs to the teacher’s val acc (seeds that reached it)',
          ],
          figures.map((f) => {
            const kind = f.group.split(' ')[0];
            return [
              f.group,
              archs.get(kind) ?? '',
              formatSpread(f.spread['val acc, epoch 1']),
              formatSpread(f.spread['final val acc']),
              formatSpread(f.spread['test acc']),
              f.group === 'teacher' ? '—' : reached(f.group),
            ];
          }),
        );
        return [
          `Students: \`${WIDER}\` (wider) and \`${DEEPER}\` (deeper) applied to each seed's trained teacher; random-pad is the wider commands with \`init=random-pad\`; random-init is the student's graph with fresh weights.`,
          '',
          table,
          '',
          ...comparisons.map((c) => `- ${c.sentence}`),
        ].join('\n');
      },
    };
  },
};

export const runNet2Net = (argv: string[], log?: (l: string) => void) => runDriver(net2net, argv, log);

if (require.main === module) mainDriver(net2net);
