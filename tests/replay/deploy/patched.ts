/**
 * A deploy of changed workflow code, for versioning.test.ts: candidateWorkflow takes one new
 * decision (a timer) before its first activity, behind patched() as docs/RELIABILITY.md
 * prescribes. Every other workflow is today's. The local export shadows `export *`.
 */
import { patched, sleep } from '@temporalio/workflow';
import { candidateWorkflow as current, type CandidateInput } from '../../../workflows/candidate';

export * from '../../../workflows';

export const PATCH_ID = 'test-candidate-settle-timer';

export async function candidateWorkflow(input: CandidateInput): ReturnType<typeof current> {
  if (patched(PATCH_ID)) await sleep(1);
  return current(input);
}
