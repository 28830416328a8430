/**
 * The search's memory of what it has tried: one small entry per candidate (ids, URIs and
 * metrics — never weights). Strategies decide from it; the workflow carries a compacted
 * copy across continueAsNew, and the full story is in lineage.jsonl.
 */
import type { LeaderboardEntry } from '../contracts/search';

/** A candidate can be a parent only when it trained to completion and kept its weights. */
export function isViable(e: LeaderboardEntry): boolean {
  return e.status === 'completed' && e.valAcc !== null && e.checkpoint !== null;
}

/**
 * What ranks an entry: its penalised score when the search has a size penalty (set on the
 * entry by the candidate workflow), else its validation accuracy.
 */
export function rankValue(e: LeaderboardEntry): number {
  return isViable(e) ? (e.score ?? (e.valAcc as number)) : -Infinity;
}

/**
 * Best first: higher score (val accuracy unless penalised), then fewer parameters (the smaller
 * net of two equal ones), then the earlier id, so that ties never depend on arrival order.
 */
export function compareEntries(a: LeaderboardEntry, b: LeaderboardEntry): number {
  const va = rankValue(a);
  const vb = rankValue(b);
  if (va !== vb) return vb - va;
  if (a.params !== b.params) return a.params - b.params;
  return a.candidateId < b.candidateId ? -1 : a.candidateId > b.candidateId ? 1 : 0;
}

export function ranked(entries: readonly LeaderboardEntry[]): LeaderboardEntry[] {
  return [...entries].sort(compareEntries);
}

export function bestViable(entries: readonly LeaderboardEntry[]): LeaderboardEntry | null {
  const viable = entries.filter(isViable);
  return viable.length === 0 ? null : ranked(viable)[0];
}

/**
 * What the workflow carries to its next run: the `keep` best entries, every entry of the
 * latest generation (a GA selects from it) and the start model (random search grows from
 * it), in rank order. Everything dropped is still in lineage.jsonl; the counts that budgets
 * need are carried separately.
 */
export function compactLeaderboard(
  entries: readonly LeaderboardEntry[],
  latestGeneration: number,
  keep: number,
): LeaderboardEntry[] {
  const sorted = ranked(entries);
  return sorted.filter((e, i) => i < keep || e.generation === latestGeneration || e.generation === 0);
}

/** One line for people: `completed: val_acc 0.8812, 61,706 params (wider conv2 x2)`. */
/** What made the candidate: its commands, `continue <parent> (control)`, or `start model`. */
export function madeBy(e: LeaderboardEntry): string {
  if (e.ops.length > 0) return e.ops.join('; ');
  return e.control === 'continue' ? `continue ${e.parentId} (control)` : 'start model';
}

export function describeEntry(e: LeaderboardEntry): string {
  const ops = madeBy(e);
  if (e.status !== 'completed') return `${e.status} (${ops})`;
  const score = e.score !== undefined ? `, score ${e.score.toFixed(4)}` : '';
  return `completed: val_acc ${e.valAcc?.toFixed(4) ?? '?'}${score}, ${e.params.toLocaleString('en-US')} params (${ops})`;
}
