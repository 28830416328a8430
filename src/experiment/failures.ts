/**
 * Why a search that trained nothing to completion failed. The search result keeps the
 * leaderboard but not its candidates' errors (those are in each candidate workflow's result),
 * so the client reads them back and names the reason most of them share: a bad image, a
 * missing dataset or a wrong setting fails every candidate alike, and one line says which.
 */
import type { Client } from '@temporalio/client';
import type { SearchResult } from '../contracts/search';
import { isViable } from '../search/leaderboard';
import { workflowIds } from '../temporal/config';

/** True when the search ran candidates and none of them trained to completion. */
export function nothingTrained(result: SearchResult): boolean {
  return result.candidates > 0 && result.leaderboard.length > 0 && !result.leaderboard.some(isViable);
}

export interface CandidateError {
  candidateId: string;
  /** A failed candidate's error, a diverged one's `diverged`; null where it cannot be read. */
  error: string | null;
}

export async function candidateErrors(client: Client, result: SearchResult): Promise<CandidateError[]> {
  return Promise.all(
    result.leaderboard.map(async ({ candidateId, status }) => ({
      candidateId,
      error: status === 'failed' ? await candidateError(client, result.experimentId, candidateId) : status,
    })),
  );
}

async function candidateError(
  client: Client,
  experimentId: string,
  candidateId: string,
): Promise<string | null> {
  const id = workflowIds.candidate(experimentId, candidateId);
  try {
    const done = await client.withDeadline(Date.now() + 10_000, () => client.workflow.getHandle(id).result());
    const error = (done as { error?: unknown } | null)?.error;
    return typeof error === 'string' ? error : null;
  } catch {
    return null;
  }
}

/**
 * The reason most candidates share, as one line: `no candidate trained to completion (2 of 2
 * the same way): train: run g0-c0-a1: …`, in the words of the first candidate that gave it.
 * Errors are compared with their candidate's id taken out: the same fault names each one.
 */
export function commonReason(errors: CandidateError[], candidates = errors.length): string {
  const groups = new Map<string, string[]>();
  for (const { candidateId, error } of errors) {
    if (error === null) continue;
    const key = error.replaceAll(candidateId, '');
    groups.set(key, [...(groups.get(key) ?? []), error]);
  }
  const largest = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const [reason, count] = [largest[0] ?? null, largest.length];
  const total = errors.length;
  // The result lists the best ten; a longer search's count says how many more there were.
  const of = candidates > total ? `${total} read of ${candidates}` : `${total}`;
  if (reason === null) return `no candidate trained to completion (${of}; their errors could not be read)`;
  const how = count === total ? `${count} of ${of} the same way` : `${count} of ${of} this way`;
  return `no candidate trained to completion (${how}): ${reason}`;
}
