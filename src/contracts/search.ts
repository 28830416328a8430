/**
 * What a search shows the world: leaderboard rows, its budget, why it ended, its status query
 * and its result, and the grow workflow's stages. Plain types that cross the workflow
 * boundary (queries, results, continueAsNew state) and that the CLI, the report and tests read.
 */

/** The Temporal namespace a search runs in unless its config names another (the dev server has it). */
export const DEFAULT_NAMESPACE = 'default';

/** `stopped`: ended early at the search's early-stop rung (its rung checkpoint kept). */
export type CandidateStatus = 'completed' | 'diverged' | 'failed' | 'stopped';

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
  /** Forward FLOPs per sample of its graph (the mutate activity's count); absent in older entries. */
  flops?: number;
  /**
   * What ranks it when the config sets `ranking.penalty`: valAcc − λ·log10(params or flops);
   * absent without a penalty (then valAcc ranks).
   */
  score?: number;
  /** Epochs its own completed run trained; absent in older entries. */
  epochs?: number;
  /** Epochs along its ancestry, its own included: what a retrain from scratch gets. */
  lineageEpochs?: number;
  /** Training seconds along its ancestry, its own included. */
  lineageSeconds?: number;
  /** Training FLOPs of one epoch of its completed run (its run's FLOPs ÷ epochs); absent when uncounted. */
  epochFlops?: number;
  /** Wall seconds of one epoch of its completed run (validation included); absent in older entries. */
  epochSeconds?: number;
  /**
   * Training FLOPs along its ancestry, its own included, every run counted (divergence retries
   * too: what its weights cost); absent when some run did not count them.
   */
  lineageTrainFlops?: number;
  /** Set on a control: `continue` = its parent unchanged, trained on; absent on a grown child. */
  control?: 'continue';
  /** Why it failed: the first line of its error, at most 300 characters; absent unless failed. */
  error?: string;
  /**
   * Set on a child whose mutation found no feasible command under the search's limits: its
   * parent's architecture cannot grow under them (src/search/saturation.ts).
   */
  noFeasibleMutation?: true;
}

export interface Budget {
  /** Candidates to train in total (the start model included); null = no limit. */
  candidates: number | null;
  /** Wall time since the search started, e.g. `2h`, `30m`, `1d12h`; null = no limit. */
  wallTime: string | null;
  gpuHours: number | null;
}

export type BudgetLimit = 'candidates' | 'wall-time' | 'gpu-hours';

export type SearchEnd = 'generations' | 'plan-finished' | 'no-viable-parent' | 'no-feasible-growth';

/** `same-failure`: `stopAfterSameFailures` candidates in a row failed with one error. */
export type SearchEndReason = SearchEnd | 'stopped' | 'same-failure' | `budget: ${BudgetLimit}`;

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
  /** The winner's architecture retrained from random init (config `scratch.enabled`). */
  scratch?: ScratchControl;
  /** Per-operation statistics over the lineage (the report activity's count). */
  operations?: OperationStat[];
  /** Why it ended 'same-failure': how many candidates in a row, and the first one's error. */
  sameFailure?: { count: number; error: string };
  reportUri: string;
}

/**
 * The control of a search: the winner's architecture trained from random initialisation for
 * the epochs its lineage accumulated, or for as many epochs as its lineage's training FLOPs buy
 * at the winner's size, scored the same way (validation; test with the finalists).
 */
/** What the scratch control gets of the grown winner: see `scratch.match` in src/search/config.ts. */
export type ScratchMatch = 'epochs' | 'flops' | 'wall';

export interface ScratchControl {
  /** The scratch candidate's id (`scratch`). */
  candidateId: string;
  status: CandidateStatus;
  epochs: number;
  valAcc: number | null;
  testAcc: number | null;
  params: number;
  trainSeconds: number;
  /** What was matched: the lineage's epochs, or its training FLOPs (`scratch.match`). */
  match?: ScratchMatch;
  /** Training FLOPs of the control's runs; null when uncounted. */
  trainFlops?: number | null;
  /** The grown winner it is compared with. */
  grown: {
    candidateId: string;
    valAcc: number | null;
    testAcc: number | null;
    lineageEpochs: number;
    lineageSeconds: number;
    lineageTrainFlops?: number | null;
  };
  error?: string;
}

/** How one kind of morph operation fared over a search (src/report/operations.ts). */
export interface OperationStat {
  /** The command's verb: `wider`, `deeper`, `kernel`, … */
  op: string;
  /** Mutations that applied it (a child made by two commands counts for both). */
  chosen: number;
  /** Of those, children whose parent and own validation accuracy are both known. */
  compared: number;
  /** Children that beat their parent's validation accuracy. */
  beatParent: number;
  /** Mean of child − parent validation accuracy over the compared; null when none. */
  meanGain: number | null;
  /**
   * Against the search's continue control (`controls.continue`): children whose parent's
   * continue control of the same generation has a validation accuracy, how many beat it, and
   * the mean child − control difference. Absent when the search ran no controls.
   */
  againstControl?: { compared: number; beat: number; meanGain: number | null };
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
  /** A plan's stages are never early-stopped, so never `stopped`. */
  status: CandidateStatus;
  stages: GrowStage[];
  reportUri: string;
}
