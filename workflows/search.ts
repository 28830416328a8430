/**
 * A whole search, one generation per workflow run: plan the generation (pure strategy code),
 * run its candidates as child workflows at most `executor.parallelism` at a time, record
 * lineage, then continueAsNew with the compacted state — so a search of any length keeps a
 * short history. It ends cleanly (lineage, report, result) when the strategy is done, the
 * budget is spent or a stop signal arrives.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  executeChild,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { Rng } from '../src/graph/rng';
import { budgetExhausted, budgetProblems, candidatesLeft, type Budget } from '../src/search/budget';
import type { SearchConfig } from '../src/search/config';
import { bestViable, ranked, type LeaderboardEntry } from '../src/search/leaderboard';
import { generationCount, planGeneration, populationOf, type ChildPlan } from '../src/search/strategy';
import {
  carryState,
  initialSearchState,
  withEntry,
  type SearchEndReason,
  type SearchState,
} from '../src/search/state';
import { candidateSettings } from '../src/search/train-spec';
import { SEARCH_ATTRIBUTES, workflowIds } from '../src/temporal/config';
import { labelExperiment } from './labels';
import { candidateWorkflow, describeFailure, type CandidateResult } from './candidate';
import { LineageWriter } from './lineage-writer';
import { report } from './proxies';

export interface SearchInput {
  experimentId: string;
  /** Absolute URI of `<storage>/experiments/<experimentId>`. */
  experimentUri: string;
  /** A validated config (loadSearchConfig's output). */
  config: SearchConfig;
  /** Absent on the first run; what the previous run carried over. */
  state?: SearchState;
}

export interface SearchResult {
  experimentId: string;
  reason: SearchEndReason;
  /** Generations run, generation 0 (the start model) included. */
  generations: number;
  candidates: number;
  best: LeaderboardEntry | null;
  /** The best ten. */
  leaderboard: LeaderboardEntry[];
  reportUri: string;
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

/** Finish the candidates already running, start no more, write the report, end. */
export const stopSignal = defineSignal('stop');
/** Start no new candidates until resumed; running ones go on. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Changes some budget fields (null lifts a limit); returns the budget now in force. */
export const setBudgetUpdate = defineUpdate<Budget, [Partial<Budget>]>('setBudget');
export const statusQuery = defineQuery<SearchStatus>('status');
export const leaderboardQuery = defineQuery<LeaderboardEntry[]>('leaderboard');

export async function searchWorkflow(input: SearchInput): Promise<SearchResult> {
  const { experimentId, experimentUri, config } = input;
  const state = input.state ?? initialSearchState(config, Date.now());
  const running = new Set<string>();
  let reason: SearchEndReason | null = null;

  setHandler(stopSignal, () => void (state.stopRequested = true));
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));
  setHandler(
    setBudgetUpdate,
    (patch) => {
      state.budget = { ...state.budget, ...patch };
      return state.budget;
    },
    { validator: validateBudgetPatch },
  );
  setHandler(statusQuery, () => ({
    experimentId,
    phase: reason ? 'finished' : state.stopRequested ? 'stopping' : state.paused ? 'paused' : 'running',
    generation: state.generation,
    generations: generationCount(config.strategy),
    running: [...running],
    candidates: state.candidates,
    deviceHours: state.deviceSeconds / 3600,
    wallSeconds: (Date.now() - state.startedAtMs) / 1000,
    budget: state.budget,
    best: bestViable(state.leaderboard),
    reason,
    run: state.run,
  }));
  setHandler(leaderboardQuery, () => ranked(state.leaderboard));

  labelExperiment(experimentId, experimentUri, config.name, config.strategy.kind, config.dataset.name);

  const lineage = new LineageWriter(experimentUri);
  const usage = () => ({
    candidates: state.candidates,
    startedAtMs: state.startedAtMs,
    deviceSeconds: state.deviceSeconds,
  });
  const devicesPerRun = Math.max(1, config.executor.gpus);
  const population = populationOf(config.strategy);
  let children = state.pending;
  const resuming = children !== null;
  if (!children && !state.stopRequested) {
    const limit = budgetExhausted(state.budget, usage(), Date.now());
    if (limit) reason = `budget: ${limit}`;
    if (!reason) {
      const rng = new Rng(`${config.seed}:generation:${state.generation}`);
      const leaderboard = state.leaderboard;
      const plan = planGeneration(
        config.strategy,
        { generation: state.generation, leaderboard },
        rng,
        candidatesLeft(state.budget, usage()),
      );
      if (plan.end) reason = plan.end;
      children = plan.children;
      if (!plan.end) lineage.write(generationEvents(state.generation, plan.children, plan.selection));
    }
  }
  if (state.stopRequested) reason = 'stopped';

  let left: ChildPlan[] = [];
  if (!reason && children) {
    setCurrentDetails(
      `generation ${state.generation} of ${generationCount(config.strategy)}${resuming ? ' (continued)' : ''}`,
    );
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < children.length; i++) {
      const parallelism = config.executor.parallelism;
      await condition(() => state.stopRequested || (!state.paused && inFlight.size < parallelism));
      if (state.stopRequested || budgetExhausted(state.budget, usage(), Date.now())) break;
      if (workflowInfo().continueAsNewSuggested) {
        left = children.slice(i);
        break;
      }
      const child = children[i];
      state.candidates += 1;
      running.add(child.childId);
      const done: Promise<void> = runCandidate(child).then((result) => {
        state.leaderboard = withEntry(state.leaderboard, result.entry);
        state.deviceSeconds += result.trainSeconds * devicesPerRun;
        running.delete(child.childId);
        inFlight.delete(done);
        lineage.write(result.events);
      });
      inFlight.add(done);
    }
    await Promise.all(inFlight);
    const best = bestViable(state.leaderboard);
    if (left.length === 0) {
      lineage.write([
        {
          type: 'generation',
          at: new Date().toISOString(),
          generation: state.generation,
          status: 'finished',
          candidates: children.map((c) => c.childId),
          best: best?.candidateId ?? null,
        },
      ]);
    }
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.generation, value: state.generation },
      ...(best?.valAcc != null ? [{ key: SEARCH_ATTRIBUTES.bestValAcc, value: best.valAcc }] : []),
    ]);
    if (state.stopRequested) reason = 'stopped';
  }
  await lineage.flush();

  if (!reason) {
    await condition(allHandlersFinished);
    const next =
      left.length > 0
        ? { generation: state.generation, pending: left }
        : { generation: state.generation + 1, pending: null };
    return continueAsNew<typeof searchWorkflow>({
      experimentId,
      experimentUri,
      config,
      state: carryState(state, { ...next, population }),
    });
  }

  const best = bestViable(state.leaderboard);
  setCurrentDetails(`finished: ${reason}`);
  const { uri } = await report({ experimentUri, experimentId, reason, best: best?.candidateId ?? null });
  await condition(allHandlersFinished);
  return {
    experimentId,
    reason,
    generations: state.generation + (children && children.length > 0 ? 1 : 0),
    candidates: state.candidates,
    best,
    leaderboard: ranked(state.leaderboard).slice(0, 10),
    reportUri: uri,
  };

  async function runCandidate(child: ChildPlan): Promise<CandidateResult> {
    const parentEntry = child.parentId
      ? state.leaderboard.find((e) => e.candidateId === child.parentId)
      : undefined;
    const parent = parentEntry?.checkpoint
      ? {
          kind: 'candidate' as const,
          candidateId: parentEntry.candidateId,
          checkpoint: parentEntry.checkpoint,
        }
      : { kind: 'start' as const, arch: config.start.arch };
    try {
      return await executeChild(candidateWorkflow, {
        workflowId: workflowIds.candidate(experimentId, child.childId),
        args: [
          {
            experimentId,
            experimentUri,
            generation: state.generation,
            child,
            parent,
            settings: candidateSettings(config),
          },
        ],
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.experimentId, value: experimentId },
          { key: SEARCH_ATTRIBUTES.generation, value: state.generation },
        ],
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const entry: LeaderboardEntry = {
        candidateId: child.childId,
        parentId: child.parentId,
        generation: state.generation,
        status: 'failed',
        valAcc: null,
        params: 0,
        checkpoint: null,
        ops: child.ops ?? [],
      };
      return { entry, testAcc: null, attempts: 0, trainSeconds: 0, events: [], error: describeFailure(err) };
    }
  }
}

function validateBudgetPatch(patch: Partial<Budget>): void {
  if (patch === null || typeof patch !== 'object')
    throw new Error('setBudget takes an object such as {"candidates": 60}');
  const unknown = Object.keys(patch).filter((k) => !['candidates', 'wallTime', 'gpuHours'].includes(k));
  const problems = [
    ...unknown.map((k) => `${k}: unknown budget field (known: candidates, wallTime, gpuHours)`),
    ...budgetProblems(patch),
  ];
  if (problems.length > 0) throw new Error(problems.join('; '));
}

function generationEvents(
  generation: number,
  children: ChildPlan[],
  selection: { from: string[]; selected: string[] } | null,
) {
  const at = new Date().toISOString();
  return [
    {
      type: 'generation' as const,
      at,
      generation,
      status: 'started' as const,
      candidates: children.map((c) => c.childId),
    },
    ...(selection ? [{ type: 'selection' as const, at, generation, ...selection }] : []),
  ];
}
