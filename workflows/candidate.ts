/**
 * One candidate network: mutate its parent → train (again with the next adjustment of the
 * divergence schedule each time the run diverges); the trainer scores validation at the end of
 * its run. Its result is the candidate's
 * leaderboard row plus the lineage events that tell its story; the parent workflow writes
 * those, because lineage.jsonl has a single writer.
 */
import { ActivityFailure, ApplicationFailure, isCancellation, patched } from '@temporalio/workflow';
import { NO_FEASIBLE_MUTATION, TRAIN_OUT_OF_MEMORY } from '../src/contracts/errors';
import type { MutateOutput, MutateParent } from '../src/contracts/activities';
import type { LineageEventInput } from '../src/contracts/lineage';
import type { ChildPlan } from '../src/search/generation';
import { rungEpoch } from '../src/search/early-stop';
import { penalizedScore } from '../src/search/ranking';
import { EARLY_STOP_RUNG, rungJudge } from './early-stop';
import {
  attemptSpec,
  oomRetrySpec,
  type AttemptSpec,
  type CandidateSettings,
} from '../src/search/train-spec';
import type { TrainResult } from '../src/contracts/train';
import { evaluate, mutate, train, trainOomToWorkflow } from './proxies';
import type { LeaderboardEntry } from '../src/contracts/search';

/**
 * patched() id: the candidate's validation score comes from its TrainResult (the trainer
 * scores it at the end of the run) instead of a separate evaluate activity.
 */
export const VALIDATION_IN_TRAINING = 'validation-in-training';

/**
 * patched() id: an OOM-killed run comes back to the workflow, which trains it again as a new
 * run with a smaller batch (the config's `oom.retries`), instead of Temporal retrying it as is.
 */
export const OOM_LOWERS_BATCH = 'oom-lowers-batch';

/**
 * patched() id: the train activity's input carries the search's own executor settings (its
 * config's kubernetes section as its user wrote it), for the worker to build the pods with.
 */
export const SEARCH_EXECUTOR_SETTINGS = 'search-executor-settings';

export interface CandidateInput {
  experimentId: string;
  experimentUri: string;
  generation: number;
  child: ChildPlan;
  /** Where it grows from: a trained candidate (with its checkpoint) or the start architecture. */
  parent: MutateParent;
  settings: CandidateSettings;
}

export interface CandidateResult {
  entry: LeaderboardEntry;
  /**
   * Null since the `validation-in-training` patch: the test split is scored once, for the
   * finalists, by the search (or grow) workflow; histories from before it carry a value.
   */
  testAcc: number | null;
  /** Training runs, divergence retries included. */
  attempts: number;
  /** Seconds spent training, over every attempt. */
  trainSeconds: number;
  /** Training FLOPs over every attempt; null when a run did not count them (absent in older results). */
  trainFlops?: number | null;
  /**
   * Device-seconds the executor measured over every run (pod start to end × GPUs); null when
   * a run's result carried none (a local executor). Absent in results from before it existed.
   */
  deviceSeconds?: number | null;
  events: LineageEventInput[];
  /** Why a failed candidate failed (an activity's final error). */
  error: string | null;
}

export async function candidateWorkflow(input: CandidateInput): Promise<CandidateResult> {
  const { experimentUri, generation, child, parent, settings } = input;
  const candidateId = child.childId;
  const events: LineageEventInput[] = [];
  const judge = rungJudge();
  const outcome = {
    entry: {
      candidateId,
      parentId: child.parentId,
      generation,
      status: 'failed',
      valAcc: null,
      params: 0,
      checkpoint: null,
      ops: [],
      ...(child.control ? { control: child.control } : {}),
    } as LeaderboardEntry,
    testAcc: null as number | null,
    attempts: 0,
    trainSeconds: 0,
    trainFlops: 0 as number | null,
    deviceSeconds: 0 as number | null,
    events,
    error: null as string | null,
  };
  try {
    const mutation = await mutate({
      experimentUri,
      parent,
      childId: candidateId,
      seed: child.seed,
      ops: child.ops,
      mutations: child.mutations,
      ...(settings.mutation?.maxFlops != null ? { maxFlops: settings.mutation.maxFlops } : {}),
      ...(settings.mutation?.init === 'random' ? { init: 'random' as const } : {}),
      ...(settings.mutation?.weights ? { weights: settings.mutation.weights } : {}),
      ...(settings.mutation?.convRatio ? { convRatio: settings.mutation.convRatio } : {}),
      dataset: settings.dataset,
    });
    outcome.entry.ops = mutation.ops.map((o) => o.command);
    outcome.entry.params = mutation.paramsAfter;
    if (mutation.flopsAfter !== undefined) outcome.entry.flops = mutation.flopsAfter;
    events.push(...mutationEvents(input, mutation));

    const teacher = parent.kind === 'candidate' ? parent.checkpoint : null;
    const rung = rungEpoch(settings.earlyStop, settings.train.epochs);
    // Still to pass the rung: a divergence before it retries with the rung again.
    let atRung = rung !== null && patched(EARLY_STOP_RUNG);
    const oomScales = settings.oom?.retries ?? [];
    const oomToWorkflow = oomScales.length > 0 && patched(OOM_LOWERS_BATCH);
    const executor =
      settings.executor && patched(SEARCH_EXECUTOR_SETTINGS) ? { executor: settings.executor } : {};
    let result: TrainResult | undefined;
    for (let attempt = 1; attempt <= settings.divergence.retries.length + 1; attempt++) {
      const first = attemptSpec({
        experimentUri,
        candidateId,
        checkpoint: mutation.checkpoint,
        seed: child.seed,
        settings,
        teacher,
        attempt,
      });
      // The run this attempt trains: an OOM retry replaces it with a new run, smaller batch.
      let current: AttemptSpec = first;
      let oomRetry = 0;
      let paused: TrainResult | null = null;
      const run = async (pauseAfterEpoch?: number): Promise<TrainResult> => {
        let r: TrainResult;
        for (;;) {
          const spec = pauseAfterEpoch ? { ...current.spec, pauseAfterEpoch } : current.spec;
          const call = {
            experimentUri,
            candidateId,
            attempt,
            adjustment: current.adjustment,
            spec,
            ...executor,
          };
          try {
            r = oomToWorkflow
              ? await trainOomToWorkflow(oomRetry > 0 ? { ...call, oomRetry } : call)
              : await train(call);
            break;
          } catch (err) {
            if (!oomToWorkflow || !outOfMemory(err) || oomRetry >= oomScales.length) throw err;
            countFailedRun(outcome, err);
            oomRetry += 1;
            current = oomRetrySpec(first, oomScales, oomRetry);
            // The new run starts over: no part of a paused run is in its figures.
            paused = null;
          }
        }
        // A resumed run's wall and device seconds include the part before the pause: count them once.
        outcome.trainSeconds += r.wallSeconds - (pauseAfterEpoch ? 0 : (paused?.wallSeconds ?? 0));
        // A run resumed from its rung pause counts the paused part again (its state carries it).
        const pausedFlops = pauseAfterEpoch ? 0 : (paused?.trainFlops ?? 0);
        outcome.trainFlops =
          outcome.trainFlops !== null && r.trainFlops !== undefined
            ? outcome.trainFlops + r.trainFlops - pausedFlops
            : null;
        outcome.deviceSeconds =
          outcome.deviceSeconds !== null && r.deviceSeconds !== undefined
            ? outcome.deviceSeconds + r.deviceSeconds - (pauseAfterEpoch ? 0 : (paused?.deviceSeconds ?? 0))
            : null;
        events.push(trainingEvent(input, r, attempt, current.adjustment));
        outcome.attempts = attempt;
        return r;
      };
      if (atRung && rung !== null) {
        result = await run(rung);
        if (result.status === 'stopped') {
          atRung = false;
          paused = result;
          const valAcc = result.final?.valAcc ?? null;
          const keep = await judge({ candidateId, generation, epoch: result.epochsRun, valAcc });
          if (!keep) {
            outcome.entry = {
              ...outcome.entry,
              status: 'stopped',
              valAcc,
              params: result.params ?? mutation.paramsAfter,
              checkpoint: result.checkpoint,
              epochs: result.epochsRun,
            };
            return outcome;
          }
          result = await run();
        }
      } else result = await run();
      if (result.status !== 'diverged') break;
    }
    if (!result || result.status === 'diverged') {
      outcome.entry.status = 'diverged';
      return outcome;
    }
    if (!result.checkpoint)
      throw ApplicationFailure.nonRetryable(`run ${result.runId} ended without a checkpoint`);
    if (patched(VALIDATION_IN_TRAINING)) {
      // The trainer scored validation on the checkpoint it wrote; the test split is left for
      // the search's finalists, so that nothing ranks candidates by it.
      outcome.entry = {
        ...outcome.entry,
        status: 'completed',
        valAcc: validationOf(result)?.acc ?? null,
        params: result.params ?? mutation.paramsAfter,
        checkpoint: result.checkpoint,
        epochs: result.epochsRun,
        ...(result.trainFlops !== undefined && result.epochsRun > 0
          ? { epochFlops: result.trainFlops / result.epochsRun }
          : {}),
        ...(result.epochsRun > 0 ? { epochSeconds: result.wallSeconds / result.epochsRun } : {}),
      };
      const score = penalizedScore(outcome.entry, settings.ranking?.penalty);
      if (score !== null) {
        outcome.entry.score = score;
        // The completed run's event carries the score, so the report can show what ranked it.
        const last = events.at(-1);
        if (last?.type === 'training') last.metrics = { ...last.metrics, score };
      }
      return outcome;
    }
    // Histories from before the patch: a separate evaluate activity scored val and test.
    const evaluation = await evaluate({
      experimentUri,
      candidateId,
      checkpoint: result.checkpoint,
      dataset: settings.dataset,
    });
    outcome.entry = {
      ...outcome.entry,
      status: 'completed',
      valAcc: evaluation.valAcc,
      params: evaluation.params,
      checkpoint: result.checkpoint,
    };
    outcome.testAcc = evaluation.testAcc;
    return outcome;
  } catch (err) {
    if (isCancellation(err)) throw err;
    countFailedRun(outcome, err);
    // A candidate that cannot be made or trained is a result for the search, not its failure.
    outcome.entry.status = 'failed';
    outcome.error = describeFailure(err);
    // The leaderboard says why (status, the report), not only that it failed.
    outcome.entry.error = outcome.error.split('\n')[0].slice(0, 300);
    if (failedAs(err, NO_FEASIBLE_MUTATION)) outcome.entry.noFeasibleMutation = true;
    return outcome;
  }
}

function mutationEvents(input: CandidateInput, mutation: MutateOutput): LineageEventInput[] {
  const parent = input.parent.kind === 'candidate' ? input.parent.candidateId : `start:${input.parent.arch}`;
  const at = new Date().toISOString();
  const last = mutation.ops.length - 1;
  return mutation.ops.map((op, i) => ({
    type: 'mutation' as const,
    at,
    generation: input.generation,
    parent,
    child: input.child.childId,
    op: op.command,
    paramsBefore: op.paramsBefore,
    paramsAfter: op.paramsAfter,
    preserving: op.preserving,
    maxAbsDiff: op.maxAbsDiff,
    ...(op.linearLayer ? { linearLayer: true } : {}),
    // The check covers every command of the mutation; its cost goes with the last, as its result does.
    ...(i === last && mutation.checkSeconds != null ? { checkSeconds: mutation.checkSeconds } : {}),
    ...(i === last && mutation.carried ? { carried: mutation.carried } : {}),
  }));
}

/**
 * The trained checkpoint's validation metrics: `validation` from a current trainer, else the
 * last epoch's (a completed run's final checkpoint holds that epoch's weights).
 */
function validationOf(result: TrainResult): { loss: number; acc: number } | null {
  if (result.validation !== undefined) return result.validation;
  const f = result.final;
  return f && f.valAcc !== null && f.valLoss !== null ? { loss: f.valLoss, acc: f.valAcc } : null;
}

function trainingEvent(
  input: CandidateInput,
  result: TrainResult,
  attempt: number,
  adjustment: object,
): LineageEventInput {
  return {
    type: 'training',
    at: new Date().toISOString(),
    generation: input.generation,
    candidate: input.child.childId,
    runId: result.runId,
    status: result.status,
    epochs: result.epochsRun,
    metrics: { ...(result.best ?? result.final ?? {}), testAcc: result.test?.acc ?? null },
    wallSeconds: result.wallSeconds,
    ...(result.trainFlops !== undefined ? { trainFlops: result.trainFlops } : {}),
    attempt,
    adjustment: numbersOnly(adjustment),
  };
}

function numbersOnly(record: object): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => typeof v === 'number'));
}

/** The device-seconds a failed train call's run used (its failure's details), into the outcome. */
function countFailedRun(outcome: { deviceSeconds: number | null }, err: unknown): void {
  if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)) return;
  const seconds = (err.cause.details?.[0] as { deviceSeconds?: unknown } | undefined)?.deviceSeconds;
  if (typeof seconds === 'number' && outcome.deviceSeconds !== null) outcome.deviceSeconds += seconds;
}

function outOfMemory(err: unknown): boolean {
  return failedAs(err, TRAIN_OUT_OF_MEMORY);
}

/** Whether an activity failed with this failure type. */
function failedAs(err: unknown, type: string): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === type;
}

export function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return `${err.activityType}: ${err.cause.message}`;
  return err instanceof Error ? err.message : String(err);
}
