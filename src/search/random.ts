/**
 * Random search: every child is the start model plus 1..maxMutations random feasible
 * commands — the seed's "generate random feasible command" experiments. Children grow from
 * the trained start model when it trained, otherwise from the untrained start architecture.
 */
import type { Rng } from '../graph/rng';
import type { RandomStrategy } from './config';
import { isViable } from './leaderboard';
import { candidateId, type GenerationPlan, type StrategyState } from './generation';

export function planRandom(
  strategy: RandomStrategy,
  state: StrategyState,
  rng: Rng,
  size: number,
): GenerationPlan {
  const start = state.leaderboard.find((e) => e.generation === 0 && e.parentId === null);
  const parentId = start && isViable(start) ? start.candidateId : null;
  const children = Array.from({ length: size }, (_, i) => ({
    parentId,
    childId: candidateId(state.generation, i),
    seed: rng.u32(),
    mutations: 1 + rng.int(strategy.maxMutations),
  }));
  return { children, selection: null };
}
