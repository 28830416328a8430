/**
 * Hill climbing: the best candidate so far gets `population` neighbours, each one
 * `mutations` random commands away; a neighbour that beats it becomes the next step's start.
 */
import type { Rng } from '../graph/rng';
import type { HillStrategy } from './config';
import { bestViable, isViable } from './leaderboard';
import { candidateId, type GenerationPlan, type StrategyState } from './generation';

export function planHill(
  strategy: HillStrategy,
  state: StrategyState,
  rng: Rng,
  size: number,
): GenerationPlan {
  const best = bestViable(state.leaderboard);
  if (!best) return { children: [], selection: null, end: 'no-viable-parent' };
  const children = Array.from({ length: size }, (_, i) => ({
    parentId: best.candidateId,
    childId: candidateId(state.generation, i),
    seed: rng.u32(),
    mutations: strategy.mutations,
  }));
  const from = state.leaderboard.filter(isViable).map((e) => e.candidateId);
  return { children, selection: { from, selected: [best.candidateId] } };
}
