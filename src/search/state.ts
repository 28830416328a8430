/**
 * What a search carries from one workflow run to the next across continueAsNew: counters,
 * the budget (setBudget may have changed it), flags set by signals, and a compacted
 * leaderboard — ids, URIs and metrics only. Pure, so the workflow stays a thin shell.
 */
import type { SearchConfig } from './config';
import type { ChildPlan } from './generation';
import type { FailureRun } from './failure-run';
import { compactLeaderboard } from './leaderboard';
import type { Budget, LeaderboardEntry } from '../contracts/search';

export interface SearchState {
  /** The generation this run works on. */
  generation: number;
  startedAtMs: number;
  /** Candidates started so far (the candidate budget counts starts, so it is never overshot). */
  candidates: number;
  /** Training seconds × devices per run, summed (the GPU-hour budget). */
  deviceSeconds: number;
  budget: Budget;
  paused: boolean;
  stopRequested: boolean;
  leaderboard: LeaderboardEntry[];
  /**
   * Children of this generation not started yet, when the last run had to hand over mid
   * generation (continueAsNewSuggested); null when the generation is still to be planned.
   */
  pending: ChildPlan[] | null;
  /** Workflow runs so far, this one included. */
  run: number;
  /**
   * The generation's early-stop rung scores in arrival order (carried with a generation handed
   * over mid-way); absent without early stopping.
   */
  rungScores?: number[];
  /** The latest candidates that failed alike (stopAfterSameFailures); absent in older histories. */
  failureRun?: FailureRun | null;
}

export function initialSearchState(config: SearchConfig, nowMs: number): SearchState {
  return {
    generation: 0,
    startedAtMs: nowMs,
    candidates: 0,
    deviceSeconds: 0,
    budget: { ...config.budget },
    paused: false,
    stopRequested: false,
    leaderboard: [],
    pending: null,
    run: 1,
  };
}

/** Replaces the entry with the same id, or adds it. */
export function withEntry(
  leaderboard: readonly LeaderboardEntry[],
  entry: LeaderboardEntry,
): LeaderboardEntry[] {
  return [...leaderboard.filter((e) => e.candidateId !== entry.candidateId), entry];
}

/** How many entries survive compaction beyond the latest generation's. */
export function leaderboardKeep(population: number): number {
  return Math.max(32, 4 * population);
}

/** The state the next run starts from. */
export function carryState(
  state: SearchState,
  next: { generation: number; pending: ChildPlan[] | null; population: number },
): SearchState {
  return {
    ...state,
    generation: next.generation,
    pending: next.pending && next.pending.length > 0 ? next.pending : null,
    leaderboard: compactLeaderboard(state.leaderboard, state.generation, leaderboardKeep(next.population)),
    run: state.run + 1,
  };
}
