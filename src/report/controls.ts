/**
 * The report's sections that judge a search rather than list it: per-operation statistics
 * (which commands helped) and the scratch control (the winner's architecture trained from
 * random initialisation for the epochs its lineage accumulated, against the grown winner).
 */
import type { EarlyStopEvent, LineageEvent, ScratchEvent } from '../contracts/lineage';
import type { OperationStat } from '../contracts/search';
import { formatCount, formatDuration, formatPercent, htmlTable } from './format';
import { hint, type Section } from './page';
import { el, fragment } from './svg';

const signedPoints = (x: number | null): string =>
  x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)} pts`;

export function operationsSection(stats: readonly OperationStat[]): Section | null {
  if (stats.length === 0) return null;
  const controlled = stats.some((s) => s.againstControl);
  const againstControl = (s: OperationStat) => s.againstControl ?? { compared: 0, beat: 0, meanGain: null };
  return {
    id: 'operations',
    title: 'Operations',
    body: fragment(
      hint(
        'For each kind of command: how often a mutation applied it, how often the child then beat its parent’s validation accuracy, and the mean change. A child made by several commands counts for each of them.' +
          (controlled
            ? ' A child trains more epochs than its parent did, so “beat parent” counts those epochs too; “beat control” compares it with its parent’s continue control (the parent unchanged, trained the same epochs in the same generation), which counts the growth alone.'
            : ' The search ran no continue controls (controls.continue), so these figures include the extra epochs every child trains.'),
      ),
      htmlTable<OperationStat>(
        [
          { header: 'operation', cell: (s) => el('span', { class: 'op' }, s.op) },
          { header: 'chosen', cell: (s) => String(s.chosen), numeric: true },
          {
            header: 'compared',
            cell: (s) => String(s.compared),
            numeric: true,
            title: 'children whose parent and own validation accuracy are both known',
          },
          {
            header: 'beat parent',
            cell: (s) =>
              s.compared === 0 ? '—' : `${s.beatParent} (${formatPercent(s.beatParent / s.compared, 0)})`,
            numeric: true,
          },
          { header: 'mean gain', cell: (s) => signedPoints(s.meanGain), numeric: true },
          ...(controlled
            ? [
                {
                  header: 'beat control',
                  cell: (s: OperationStat) => {
                    const c = againstControl(s);
                    return c.compared === 0
                      ? '—'
                      : `${c.beat} of ${c.compared} (${formatPercent(c.beat / c.compared, 0)})`;
                  },
                  numeric: true,
                },
                {
                  header: 'gain over control',
                  cell: (s: OperationStat) => signedPoints(againstControl(s).meanGain),
                  numeric: true,
                },
              ]
            : []),
        ],
        stats,
      ),
    ),
  };
}

/** The last scratch event: the control of the search, when it ran one. */
export function scratchOf(events: readonly LineageEvent[]): ScratchEvent | null {
  let found: ScratchEvent | null = null;
  for (const e of events) if (e.type === 'scratch') found = e;
  return found;
}

export function scratchSection(s: ScratchEvent | null): Section | null {
  if (!s) return null;
  const rows = [
    {
      what: `grown: ${s.of}`,
      epochs: s.grown.epochs,
      seconds: s.grown.wallSeconds,
      flops: s.grown.trainFlops,
      val: s.grown.valAcc,
      test: s.grown.testAcc,
    },
    {
      what: `from scratch: ${s.candidate}${s.status === 'completed' ? '' : ` (${s.status})`}`,
      epochs: s.epochs,
      seconds: s.wallSeconds,
      flops: s.trainFlops,
      val: s.valAcc,
      test: s.testAcc,
    },
  ];
  const counted = rows.some((r) => r.flops !== undefined);
  const matched =
    s.match === 'flops'
      ? `for the epochs its lineage's training FLOPs buy at its size (${s.epochs}; the lineage trained ${s.grown.epochs})`
      : s.match === 'wall'
        ? `for the epochs the search's wall time buys at its size (${s.epochs}; the lineage trained ${s.grown.epochs})`
        : `for the epochs its lineage accumulated (${s.grown.epochs})`;
  const gain = s.grown.valAcc !== null && s.valAcc !== null ? s.grown.valAcc - s.valAcc : null;
  return {
    id: 'scratch',
    title: 'Grown vs scratch',
    body: fragment(
      hint(
        `The winner's architecture trained again from random initialisation ${matched}, scored the same way. Growing ${gain === null ? 'cannot be compared' : `${signedPoints(gain)} of validation accuracy`} against scratch.`,
      ),
      htmlTable<(typeof rows)[number]>(
        [
          { header: 'network', cell: (r) => r.what },
          {
            header: 'epochs',
            cell: (r) => String(r.epochs),
            numeric: true,
            title: 'along its lineage, for the grown one',
          },
          { header: 'training time', cell: (r) => formatDuration(r.seconds), numeric: true },
          ...(counted
            ? [
                {
                  header: 'training FLOPs',
                  cell: (r: (typeof rows)[number]) => formatCount(r.flops),
                  numeric: true,
                  title:
                    'samples seen × (forward + backward) FLOPs per sample, along its lineage for the grown one',
                },
              ]
            : []),
          { header: 'val acc', cell: (r) => formatPercent(r.val), numeric: true },
          { header: 'test acc', cell: (r) => formatPercent(r.test), numeric: true },
        ],
        rows,
      ),
    ),
  };
}

/** The search's early-stop decisions, one row per candidate judged at its rung. */
export function earlyStopSection(events: readonly LineageEvent[]): Section | null {
  const decisions = events.filter((e): e is EarlyStopEvent => e.type === 'early-stop');
  if (decisions.length === 0) return null;
  const stopped = decisions.filter((d) => d.decision === 'stop').length;
  return {
    id: 'early-stop',
    title: 'Early stopping',
    body: fragment(
      hint(
        `Each child of a generation paused at its rung and was judged on arrival against the rung scores of the children of its generation that got there first; ${stopped} of ${decisions.length} stopped there, keeping their rung checkpoint.`,
      ),
      htmlTable<EarlyStopEvent>(
        [
          { header: 'gen', cell: (d) => String(d.generation), numeric: true },
          { header: 'candidate', cell: (d) => el('code', {}, d.candidate) },
          { header: 'rule', cell: (d) => d.rule },
          { header: 'epoch', cell: (d) => String(d.epoch), numeric: true },
          { header: 'val acc', cell: (d) => formatPercent(d.valAcc), numeric: true },
          {
            header: 'judged against',
            cell: (d) => String(d.peers),
            numeric: true,
            title: 'earlier rung scores',
          },
          { header: 'threshold', cell: (d) => formatPercent(d.threshold), numeric: true },
          { header: 'decision', cell: (d) => d.decision },
        ],
        decisions,
      ),
    ),
  };
}

/** Keeps a section that has something to show. */
export function present(...sections: Array<Section | null>): Section[] {
  return sections.filter((s): s is Section => s !== null);
}
