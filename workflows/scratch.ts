/**
 * The control of a search: the winner's architecture trained again from random initialisation
 * for the epochs its lineage accumulated (its ancestors' runs and its own) or, with `scratch.match:
 * flops`, for the epochs its lineage's training FLOPs buy at the winner's size, as a candidate
 * workflow like any other — the mutate activity initialises `<winner checkpoint>/graph.json`
 * afresh, with no commands — so it is trained and scored (validation) exactly the same way.
 * It is not a candidate of the search: it never enters the leaderboard and its training is
 * outside the budget.
 */
import { executeChild, isCancellation } from '@temporalio/workflow';
import { Rng } from '../src/graph/rng';
import type { SearchConfig } from '../src/search/config';
import { candidateSettings } from '../src/search/train-spec';
import { SEARCH_ATTRIBUTES, workflowIds } from '../src/temporal/config';
import type { LeaderboardEntry, ScratchControl, ScratchMatch } from '../src/contracts/search';
import type { LineageEventInput } from '../src/contracts/lineage';
import { candidateWorkflow, describeFailure, type CandidateResult } from './candidate';

/** patched() id: a search with `scratch.enabled` retrains its winner from scratch at its end. */
export const SCRATCH_CONTROL = 'scratch-control';

/** The scratch candidate's id, beside `g<generation>-c<index>` under `candidates/`. */
export const SCRATCH_ID = 'scratch';

export interface ScratchRun {
  result: CandidateResult;
  epochs: number;
  winner: LeaderboardEntry;
}

/** Null when the winner does not know its lineage's epochs (an entry from older code). */
export async function retrainFromScratch(args: {
  experimentId: string;
  experimentUri: string;
  config: SearchConfig;
  generation: number;
  winner: LeaderboardEntry;
  /** The search's wall seconds so far (workflow time), for `match: wall`. */
  searchSeconds: number;
}): Promise<ScratchRun | null> {
  const { experimentId, experimentUri, config, generation, winner } = args;
  const epochs = controlEpochs(config.scratch?.match ?? 'epochs', winner, args.searchSeconds);
  if (!epochs || !winner.checkpoint) return null;
  const settings = candidateSettings(config);
  const child = {
    parentId: null,
    childId: SCRATCH_ID,
    seed: new Rng(`${config.seed}:scratch`).u32(),
    ops: [],
  };
  const graph = `${winner.checkpoint.replace(/\/+$/, '')}/graph.json`;
  try {
    const result = await executeChild(candidateWorkflow, {
      workflowId: workflowIds.candidate(experimentId, SCRATCH_ID),
      args: [
        {
          experimentId,
          experimentUri,
          generation,
          child,
          parent: { kind: 'start', arch: graph },
          // Its own schedule over those epochs, from random weights: nothing to continue.
          settings: { ...settings, train: { ...settings.train, epochs, continue: 'restart' } },
        },
      ],
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.experimentId, value: experimentId }],
    });
    return { result, epochs, winner };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const entry: LeaderboardEntry = {
      candidateId: SCRATCH_ID,
      parentId: null,
      generation,
      status: 'failed',
      valAcc: null,
      params: winner.params,
      checkpoint: null,
      ops: [],
    };
    const result = {
      entry,
      testAcc: null,
      attempts: 0,
      trainSeconds: 0,
      events: [],
      error: describeFailure(err),
    };
    return { result, epochs, winner };
  }
}

/**
 * The control's epochs: the lineage's, or as many as the lineage's training FLOPs, or the
 * search's wall seconds, buy at the winner's size (its own completed run's FLOPs or seconds per
 * epoch: same architecture, same data), at least 1. Null when what is matched is unknown (an
 * entry from older code, an uncounted run).
 */
export function controlEpochs(
  match: ScratchMatch,
  winner: LeaderboardEntry,
  searchSeconds = 0,
): number | null {
  if (match === 'epochs') return winner.lineageEpochs ?? null;
  const [total, perEpoch] =
    match === 'flops' ? [winner.lineageTrainFlops, winner.epochFlops] : [searchSeconds, winner.epochSeconds];
  if (total === undefined || perEpoch === undefined || perEpoch <= 0) return null;
  return Math.max(1, Math.round(total / perEpoch));
}

/** The search result's view of the control, with the test scores taken with the finalists. */
export function scratchControl(
  run: ScratchRun,
  tests: { scratch: number | null; grown: number | null },
  match: ScratchMatch = 'epochs',
): ScratchControl {
  const { entry, trainSeconds, error } = run.result;
  return {
    candidateId: entry.candidateId,
    status: entry.status,
    epochs: run.epochs,
    valAcc: entry.valAcc,
    testAcc: tests.scratch,
    params: entry.params,
    trainSeconds,
    match,
    trainFlops: run.result.trainFlops ?? null,
    grown: {
      candidateId: run.winner.candidateId,
      valAcc: run.winner.valAcc,
      testAcc: tests.grown,
      lineageEpochs: run.winner.lineageEpochs ?? run.epochs,
      lineageSeconds: run.winner.lineageSeconds ?? 0,
      lineageTrainFlops: run.winner.lineageTrainFlops ?? null,
    },
    ...(error ? { error } : {}),
  };
}

export function scratchEvent(control: ScratchControl): LineageEventInput {
  return {
    type: 'scratch',
    at: new Date().toISOString(),
    candidate: control.candidateId,
    of: control.grown.candidateId,
    status: control.status,
    epochs: control.epochs,
    valAcc: control.valAcc,
    testAcc: control.testAcc,
    wallSeconds: control.trainSeconds,
    ...(control.match ? { match: control.match } : {}),
    ...(control.trainFlops != null ? { trainFlops: control.trainFlops } : {}),
    grown: {
      valAcc: control.grown.valAcc,
      testAcc: control.grown.testAcc,
      epochs: control.grown.lineageEpochs,
      wallSeconds: control.grown.lineageSeconds,
      ...(control.grown.lineageTrainFlops != null ? { trainFlops: control.grown.lineageTrainFlops } : {}),
    },
  };
}
