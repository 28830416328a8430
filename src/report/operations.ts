/**
 * Per-operation statistics over an experiment's lineage: for each kind of morph command (its
 * verb: `wider`, `deeper`, `kernel`, …) how often a mutation applied it, how often the child
 * then beat its parent's validation accuracy, and the mean gain. Pure, over lineage events, so
 * the report, the search result and the experiment drivers count the same way.
 *
 * A child made by several commands credits its gain to each of them: the lineage cannot tell
 * their shares apart. A candidate's validation accuracy is that of its last completed training
 * event (the best epoch's, as the trainer reports it).
 */
import type { LineageEvent } from '../contracts/lineage';
import type { OperationStat } from '../contracts/search';

/** `wider conv2 x2` → `wider`. */
export function operationKind(command: string): string {
  return command.trim().split(/\s+/)[0] ?? command;
}

/** Each candidate's validation accuracy from its last completed training event. */
export function validationByCandidate(events: readonly LineageEvent[]): Map<string, number> {
  const acc = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'training' || e.status !== 'completed') continue;
    // The workflow writes `valAcc`; a trainer's own lineage file writes `val_acc`.
    const v = e.metrics.valAcc ?? e.metrics.val_acc;
    if (v !== null && v !== undefined && Number.isFinite(v)) acc.set(e.candidate, v);
  }
  return acc;
}

export function operationStats(events: readonly LineageEvent[]): OperationStat[] {
  const acc = validationByCandidate(events);
  // (generation, parent) → that parent's continue control in that generation.
  const controlOf = new Map<string, string>();
  for (const e of events) if (e.type === 'control') controlOf.set(`${e.generation}:${e.of}`, e.candidate);
  const byKind = new Map<string, { chosen: number; gains: number[]; overControl: number[] }>();
  for (const e of events) {
    if (e.type !== 'mutation') continue;
    const kind = operationKind(e.op);
    const stat = byKind.get(kind) ?? { chosen: 0, gains: [], overControl: [] };
    byKind.set(kind, stat);
    stat.chosen += 1;
    const child = acc.get(e.child);
    const parentId = candidateIdOf(e.parent);
    const parent = acc.get(parentId);
    if (child !== undefined && parent !== undefined) stat.gains.push(child - parent);
    const control = acc.get(controlOf.get(`${e.generation}:${parentId}`) ?? '');
    if (child !== undefined && control !== undefined) stat.overControl.push(child - control);
  }
  return [...byKind.entries()]
    .map(([op, s]) => ({
      op,
      chosen: s.chosen,
      compared: s.gains.length,
      beatParent: s.gains.filter((g) => g > 0).length,
      meanGain: mean(s.gains),
      ...(controlOf.size > 0
        ? {
            againstControl: {
              compared: s.overControl.length,
              beat: s.overControl.filter((g) => g > 0).length,
              meanGain: mean(s.overControl),
            },
          }
        : {}),
    }))
    .sort((a, b) => b.chosen - a.chosen || (a.op < b.op ? -1 : a.op > b.op ? 1 : 0));
}

const mean = (xs: readonly number[]): number | null =>
  xs.length > 0 ? xs.reduce((a, g) => a + g, 0) / xs.length : null;

/**
 * A candidate id from a lineage reference: a bare id, or a URI ending in `candidates/<id>`
 * (older events); anything else (an outside checkpoint) is returned as it is.
 */
export function candidateIdOf(ref: string): string {
  const m = /(?:^|\/)candidates\/([^/]+)\/?$/.exec(ref);
  return m ? m[1] : ref;
}
