/**
 * A search strategy decides, from the leaderboard alone, which children the next generation
 * makes: parent, child id and seed (and, for a plan, the commands). The commands themselves
 * are sampled by the mutate activity, which has the graph. Every strategy is pure and draws
 * randomness only from the Rng it is given, so the workflow replays to the same decisions.
 *
 * Generation 0 is the same for every strategy: the start architecture, trained as is, so
 * that every later child grows from trained weights (the point of Net2Net).
 */
import type { Rng } from '../graph/rng';
import type { StrategyConfig } from './config';
import { planGa } from './ga';
import { planHill } from './hill';
import { candidateId, type GenerationPlan, type StrategyState } from './generation';
import { planStages } from './plan';
import { planRandom } from './random';

export * from './generation';

/** The number of generations after generation 0. */
export function generationCount(strategy: StrategyConfig): number {
  return strategy.kind === 'plan' ? strategy.stages.length : strategy.generations;
}

/** Children per generation, before the budget trims it. */
export function populationOf(strategy: StrategyConfig): number {
  return strategy.kind === 'plan' ? 1 : strategy.population;
}

/**
 * The next generation's children, at most `maxChildren` of them (the budget's remainder).
 * Returns `end` instead when the strategy is done or has no parent left to grow from.
 */
export function planGeneration(
  strategy: StrategyConfig,
  state: StrategyState,
  rng: Rng,
  maxChildren: number,
): GenerationPlan {
  if (state.generation === 0) {
    return {
      children: [{ parentId: null, childId: candidateId(0, 0), seed: rng.u32(), ops: [] }],
      selection: null,
    };
  }
  if (state.generation > generationCount(strategy)) {
    return { children: [], selection: null, end: strategy.kind === 'plan' ? 'plan-finished' : 'generations' };
  }
  const size = Math.max(0, Math.min(populationOf(strategy), maxChildren));
  switch (strategy.kind) {
    case 'ga':
      return planGa(strategy, state, rng, size);
    case 'random':
      return planRandom(strategy, state, rng, size);
    case 'hill':
      return planHill(strategy, state, rng, size);
    case 'plan':
      return planStages(strategy, state, rng);
    default:
      return assertNever(strategy);
  }
}

export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
