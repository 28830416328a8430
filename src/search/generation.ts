/**
 * What a strategy hands the workflow: the next generation's children. Kept apart from the
 * strategies themselves so that each strategy file depends on this, not on the dispatcher.
 */
import type { LeaderboardEntry, SearchEnd } from '../contracts/search';

export interface ChildPlan {
  /** The candidate to grow from; null = the start architecture (untrained). */
  parentId: string | null;
  childId: string;
  seed: number;
  /** Explicit commands (plans, and the empty list of generation 0); else sampled. */
  ops?: string[];
  /** How many random feasible commands the mutate activity samples when `ops` is absent. */
  mutations?: number;
  /** A control, not a growth: `continue` = the parent unchanged, trained on (src/search/controls.ts). */
  control?: 'continue';
}

export interface GenerationPlan {
  children: ChildPlan[];
  /** Which candidates were compared and which became parents (lineage's selection event). */
  selection: { from: string[]; selected: string[] } | null;
  /** Set (with no children) when the strategy has nothing more to do. */
  end?: SearchEnd;
  /** Parents whose grown children were not drawn: they have no feasible growth (saturation.ts). */
  noGrowth?: string[];
}

export interface StrategyState {
  /** The generation being planned. */
  generation: number;
  leaderboard: readonly LeaderboardEntry[];
}

export function candidateId(generation: number, index: number): string {
  return `g${generation}-c${index}`;
}
