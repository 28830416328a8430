/**
 * Candidates that keep failing the same way: a bad image, a missing dataset, a resource no node
 * offers or a memory limit every child exceeds fails each candidate alike, and each one may
 * spend its executor's timeouts first (30 minutes Pending by default). After `limit` candidates
 * in a row (in the order they finished) failed with one reason, the search ends with
 * 'same-failure' and that reason instead of trying the rest. Pure, for the workflow.
 */
import type { CandidateStatus } from '../contracts/search';

/** The latest candidates that failed, all with one reason; their ids taken out of it. */
export interface FailureRun {
  /** The first of them's error, in its own words. */
  error: string;
  /** The error with the candidate id taken out, so the same fault compares equal. */
  key: string;
  count: number;
}

/** The default of `stopAfterSameFailures`. */
export const SAME_FAILURE_LIMIT = 3;

/** The run after a candidate finished: it grows, starts anew, or ends (null) with a success. */
export function afterCandidate(
  run: FailureRun | null | undefined,
  candidateId: string,
  status: CandidateStatus,
  error: string | null,
): FailureRun | null {
  if (status !== 'failed') return null;
  const said = error ?? 'no error recorded';
  const key = said.replaceAll(candidateId, '');
  return run?.key === key ? { ...run, count: run.count + 1 } : { error: said, key, count: 1 };
}

/** True when the run has reached the limit (0 turns the rule off). */
export function failingAlike(run: FailureRun | null | undefined, limit: number): run is FailureRun {
  return limit > 0 && run != null && run.count >= limit;
}
