/**
 * The genetic search: each generation's parents are selected by validation accuracy from
 * the latest generation plus the elite (the best of all time, which survive without being
 * retrained), and each child is its parent plus `mutations` random feasible commands.
 * `tournament`: each child's parent wins a tournament of `tournamentSize` random contestants.
 * `keep-best` (the seed's GA): the best `max(1, elite)` of the pool are the parents, children
 * dealt to them in rank order.
 */
import type { Rng } from '../graph/rng';
import type { GaStrategy } from './config';
import { compareEntries, isViable, ranked } from './leaderboard';
import { candidateId, type GenerationPlan, type StrategyState } from './generation';
import type { LeaderboardEntry } from '../contracts/search';

export function planGa(strategy: GaStrategy, state: StrategyState, rng: Rng, size: number): GenerationPlan {
  const pool = selectionPool(state, strategy.elite);
  if (pool.length === 0) return { children: [], selection: null, end: 'no-viable-parent' };
  const parents: LeaderboardEntry[] = [];
  if (strategy.selection === 'keep-best') {
    const kept = pool.slice(0, Math.max(1, strategy.elite));
    for (let i = 0; i < size; i++) parents.push(kept[i % kept.length]);
  } else {
    for (let i = 0; i < size; i++) parents.push(tournament(pool, strategy.tournamentSize, rng));
  }
  const children = parents.map((parent, i) => ({
    parentId: parent.candidateId,
    childId: candidateId(state.generation, i),
    seed: rng.u32(),
    mutations: strategy.mutations,
  }));
  const selected = [...new Set(parents.map((p) => p.candidateId))];
  return { children, selection: { from: pool.map((e) => e.candidateId), selected } };
}

/**
 * The elite plus the latest generation's viable candidates, best first. When the latest
 * generation produced nothing viable (all diverged), the search falls back to every viable
 * candidate so that one bad generation does not end it.
 */
export function selectionPool(state: StrategyState, elite: number): LeaderboardEntry[] {
  const viable = ranked(state.leaderboard.filter(isViable));
  const latest = viable.filter((e) => e.generation === state.generation - 1);
  if (latest.length === 0) return viable;
  const ids = new Set([...viable.slice(0, elite), ...latest].map((e) => e.candidateId));
  return viable.filter((e) => ids.has(e.candidateId));
}

/** `size` contestants drawn with replacement; the best wins. */
export function tournament(pool: readonly LeaderboardEntry[], size: number, rng: Rng): LeaderboardEntry {
  let winner = rng.pick(pool);
  for (let i = 1; i < size; i++) {
    const contestant = rng.pick(pool);
    if (compareEntries(contestant, winner) < 0) winner = contestant;
  }
  return winner;
}
