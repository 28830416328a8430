/**
 * Early stopping of weak candidates within a generation, between the candidate workflows and
 * their search: a candidate whose config has a rung trains to it (`pauseAfterEpoch`), signals
 * its validation accuracy there to the search, and waits for the verdict — continue (the same
 * run resumes to its end) or stop (it ends `stopped`, its rung checkpoint and result kept). The
 * search judges each report on arrival (src/search/early-stop.ts), records the decision in
 * lineage and signals it back. Both signals are in both histories, so a replay decides the same.
 */
import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

/** patched() id: a candidate with a rung pauses there for the search's verdict. */
export const EARLY_STOP_RUNG = 'early-stop-rung';

export interface RungReport {
  candidateId: string;
  generation: number;
  /** Epochs trained at the rung. */
  epoch: number;
  /** Validation accuracy after them; null without a validation split. */
  valAcc: number | null;
}

export interface RungVerdict {
  keep: boolean;
}

/** Candidate → search: it reached its rung. */
export const rungReachedSignal = defineSignal<[RungReport]>('rungReached');
/** Search → candidate: continue or stop. */
export const rungVerdictSignal = defineSignal<[RungVerdict]>('rungVerdict');

/**
 * Installs the verdict handler (at the start of the candidate workflow, so that a verdict
 * arriving early is kept) and returns the function that reports and waits.
 */
export function rungJudge(): (report: RungReport) => Promise<boolean> {
  let verdict: RungVerdict | null = null;
  setHandler(rungVerdictSignal, (v) => void (verdict = v));
  return async (report) => {
    const parent = workflowInfo().parent;
    if (!parent) return true; // started on its own: nobody to compare with
    await getExternalWorkflowHandle(parent.workflowId).signal(rungReachedSignal, report);
    await condition(() => verdict !== null);
    return (verdict as RungVerdict | null)?.keep ?? true;
  };
}
