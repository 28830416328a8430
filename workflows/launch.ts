/**
 * Starting one candidate as a child workflow, for the search and the grow workflows alike:
 * the parent's trained checkpoint (or the start architecture) and the training settings go
 * in; a leaderboard row comes out — also when the child itself failed, so that one broken
 * candidate never ends a search. Cancellation still propagates.
 */
import { executeChild, isCancellation } from '@temporalio/workflow';
import type { MutateParent } from '../src/contracts/activities';
import type { SearchConfig } from '../src/search/config';
import type { SearchExecutorSettings } from '../src/contracts/executor-settings';
import type { ChildPlan } from '../src/search/generation';
import { candidateSettings } from '../src/search/train-spec';
import { SEARCH_ATTRIBUTES, workflowIds } from '../src/temporal/config';
import { candidateWorkflow, describeFailure, type CandidateResult } from './candidate';
import type { LeaderboardEntry } from '../src/contracts/search';

export interface LaunchArgs {
  experimentId: string;
  experimentUri: string;
  config: SearchConfig;
  /** The search's own pod settings (ExperimentStart.executorSettings); absent when none. */
  executorSettings?: SearchExecutorSettings;
  generation: number;
  child: ChildPlan;
  /** Where the parent's checkpoint is found. */
  leaderboard: readonly LeaderboardEntry[];
  /** The search's early-stop rule, when this candidate is judged at a rung; else absent. */
  earlyStop?: SearchConfig['earlyStop'];
}

export async function launchCandidate(args: LaunchArgs): Promise<CandidateResult> {
  const { experimentId, experimentUri, config, generation, child } = args;
  const parentEntry = args.leaderboard.find((e) => e.candidateId === child.parentId);
  const parent: MutateParent = parentEntry?.checkpoint
    ? { kind: 'candidate', candidateId: parentEntry.candidateId, checkpoint: parentEntry.checkpoint }
    : { kind: 'start', arch: config.start.arch };
  try {
    const result = await executeChild(candidateWorkflow, {
      workflowId: workflowIds.candidate(experimentId, child.childId),
      args: [
        {
          experimentId,
          experimentUri,
          generation,
          child,
          parent,
          settings: {
            ...candidateSettings(config),
            ...(args.earlyStop ? { earlyStop: args.earlyStop } : {}),
            ...(args.executorSettings ? { executor: args.executorSettings } : {}),
          },
        },
      ],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.experimentId, value: experimentId },
        { key: SEARCH_ATTRIBUTES.generation, value: generation },
      ],
    });
    return withAncestry(result, parentEntry);
  } catch (err) {
    if (isCancellation(err)) throw err;
    const entry: LeaderboardEntry = {
      candidateId: child.childId,
      parentId: child.parentId,
      generation,
      status: 'failed',
      valAcc: null,
      params: 0,
      checkpoint: null,
      ops: child.ops ?? [],
    };
    return { entry, testAcc: null, attempts: 0, trainSeconds: 0, events: [], error: describeFailure(err) };
  }
}

/**
 * Epochs, training seconds and training FLOPs along the candidate's ancestry, its own included: the compute
 * its weights embody, which a retrain from scratch of its architecture gets. Summed as each
 * candidate finishes, so compaction of the leaderboard never loses an ancestor's share.
 */
function withAncestry(result: CandidateResult, parent: LeaderboardEntry | undefined): CandidateResult {
  if (result.entry.status !== 'completed' || result.entry.epochs === undefined) return result;
  // FLOPs only when every run along the ancestry counted them (the start model has no parent).
  const parentFlops = parent ? parent.lineageTrainFlops : 0;
  const entry: LeaderboardEntry = {
    ...result.entry,
    lineageEpochs: (parent?.lineageEpochs ?? 0) + result.entry.epochs,
    lineageSeconds: (parent?.lineageSeconds ?? 0) + result.trainSeconds,
    ...(parentFlops !== undefined && result.trainFlops != null
      ? { lineageTrainFlops: parentFlops + result.trainFlops }
      : {}),
  };
  return { ...result, entry };
}
