/**
 * What a search shows the world: leaderboard rows, its budget, why it ended, its status query
 * and its result, and the grow workflow's stages. Plain types that cross the workflow
 * boundary (queries, results, continueAsNew state) and that the CLI, the report and tests read.
 */

/** The Temporal namespace a search runs in unless its config names another (the dev server has it). */
export const DEFAULT_NAMESPACE = 'default';

export type CandidateStatus = 'completed' | 'diverged' | 'failed';

export interface LeaderboardEntry {
  candidateId: string;
  /** null for a candidate made from the start architecture. */
  parentId: string | null;
  generation: number;
  status: CandidateStatus;
  /** Validation accuracy of the trained network; null unless completed. */
  valAcc: number | null;
  params: number;
  /** URI of the trained checkpoint: what a child of this candidate grows from. */
  checkpoint: string | null;
  /** The commands that made it from its parent, in text form. */
  ops: string[];
}

export interface Budget {
  /** Candidates to train in total (the start model included); null = no limit. */
  candidates: number | null;
  /** Wall time since the search started, e.g. `2h`, `30m`, `1d12h`; null = no limit. */
  wallTime: string | null;
  gpuHours: number | null;
}

export type BudgetLimit = 'candidates' | 'wall-time' | 'gpu-hours';

export type SearchEnd = 'generations' | 'plan-finished' | 'no-viable-parent';

export type SearchEndReason = SearchEnd | 'stopped' | `budget: ${BudgetLimit}`;

export interface SearchResult {
  experimentId: string;
  reason: SearchEndReason;
  /** Generations run, generation 0 (the start model) included. */
  generations: number;
  candidates: number;
  best: LeaderboardEntry | null;
  /** The best ten. */
  leaderboard: LeaderboardEntry[];
  /**
   * Test accuracy of the finalists (the best by validation accuracy), scored once after the
   * search; candidates are ranked by validation accuracy. Absent for searches that started
   * before this existed.
   */
  finalists?: Finalist[];
  reportUri: string;
}

/** A finalist of a search: its test score, taken once after the search, reported only. */
export interface Finalist {
  candidateId: string;
  /** 1 = the best by validation accuracy. */
  rank: number;
  valAcc: number | null;
  params: number;
  /** Null when the dataset has no test split or scoring failed (`error`). */
  testAcc: number | null;
  testLoss: number | null;
  error?: string;
}

export type SearchPhase = 'running' | 'paused' | 'stopping' | 'finished';

export interface SearchStatus {
  experimentId: string;
  phase: SearchPhase;
  generation: number;
  generations: number;
  running: string[];
  candidates: number;
  deviceHours: number;
  wallSeconds: number;
  budget: Budget;
  best: LeaderboardEntry | null;
  reason: SearchEndReason | null;
  run: number;
}

export interface GrowStage {
  /** 0 = the start model; k = after the plan's k-th stage. */
  stage: number;
  candidateId: string;
  ops: string[];
  status: CandidateStatus;
  valAcc: number | null;
  /**
   * The final stage's test accuracy, scored once after the plan; null for the stages before
   * it (histories from before that change carry every stage's).
   */
  testAcc: number | null;
  params: number;
  attempts: number;
  checkpoint: string | null;
  error: string | null;
}

export interface GrowResult {
  experimentId: string;
  status: 'completed' | 'diverged' | 'failed';
  stages: GrowStage[];
  reportUri: string;
}
