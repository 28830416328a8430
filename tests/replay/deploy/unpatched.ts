/**
 * The same change as patched.ts without patched(): the negative control, whose replay of a
 * history recorded before the change must fail with a nondeterminism error.
 */
import { sleep } from '@temporalio/workflow';
import { candidateWorkflow as current, type CandidateInput } from '../../../workflows/candidate';

export * from '../../../workflows';

export async function candidateWorkflow(input: CandidateInput): ReturnType<typeof current> {
  await sleep(1);
  return current(input);
}
