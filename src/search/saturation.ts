/**
 * Parents that cannot grow under the search's limits. A grown child whose mutation found no
 * feasible command (`mutation.maxFlops`, the kinds' weights) says that its parent's architecture
 * has no growth left under them; a continue control is its parent unchanged, so it shares that
 * architecture and cannot grow either. Drawing more grown children from such a parent only
 * repeats the failed mutation, so the search trains its continue control alone, or ends when a
 * generation would have nothing else to train.
 */
import type { LeaderboardEntry } from '../contracts/search';
import type { GenerationPlan } from './generation';

/** The candidates whose architecture is known to have no feasible growth. */
export function saturatedCandidates(leaderboard: readonly LeaderboardEntry[]): Set<string> {
  const byId = new Map(leaderboard.map((e) => [e.candidateId, e]));
  // The candidate whose commands made this architecture: up through unchanged children.
  const origin = (id: string): string => {
    let e = byId.get(id);
    while (e && e.parentId !== null && e.control === 'continue') e = byId.get(e.parentId);
    return e?.candidateId ?? id;
  };
  const stuck = new Set(
    leaderboard.flatMap((e) => (e.noFeasibleMutation && e.parentId !== null ? [origin(e.parentId)] : [])),
  );
  return new Set(leaderboard.map((e) => e.candidateId).filter((id) => stuck.has(origin(id))));
}

/**
 * `plan` without the grown children of saturated parents; their continue controls stay.
 * `noGrowth` names the parents left out; a plan left with no child ends the search.
 */
export function withoutSaturated(
  plan: GenerationPlan,
  leaderboard: readonly LeaderboardEntry[],
): GenerationPlan {
  if (plan.end || plan.children.length === 0) return plan;
  const saturated = saturatedCandidates(leaderboard);
  const stuck = (parentId: string | null) => parentId !== null && saturated.has(parentId);
  const skipped = plan.children.filter((c) => !c.control && stuck(c.parentId));
  if (skipped.length === 0) return plan;
  const children = plan.children.filter((c) => !skipped.includes(c));
  const noGrowth = [...new Set(skipped.map((c) => c.parentId as string))];
  if (children.length === 0)
    return { children, selection: plan.selection, end: 'no-feasible-growth', noGrowth };
  return { ...plan, children, noGrowth };
}
