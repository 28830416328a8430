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
  getExternalWorkflowHandle,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { LineageEventInput } from '../src/contracts/lineage';
import { Rng } from '../src/graph/rng';
import { budgetExhausted, budgetPatchProblems, candidatesLeft } from '../src/search/budget';
import type { SearchConfig } from '../src/search/config';
import type { SearchExecutorSettings } from '../src/contracts/executor-settings';
import { bestViable, ranked } from '../src/search/leaderboard';
import { criterionOf } from '../src/search/ranking';
import {
  generationCount,
  planGeneration,
  populationOf,
  type ChildPlan,
  type GenerationPlan,
} from '../src/search/strategy';
import { carryState, initialSearchState, withEntry, type SearchState } from '../src/search/state';
import { withContinueControls } from '../src/search/controls';
import { withoutSaturated } from '../src/search/saturation';
import { afterCandidate, failingAlike, SAME_FAILURE_LIMIT } from '../src/search/failure-run';
import { SEARCH_ATTRIBUTES, workflowIds } from '../src/temporal/config';
import { rungDecision } from '../src/search/early-stop';
import { rungReachedSignal, rungVerdictSignal } from './early-stop';
import { labelExperiment } from './labels';
import { launchCandidate } from './launch';
import { LineageWriter } from './lineage-writer';
import { testFinalistsWith, FINALISTS_TESTED } from './finalists';
import { retrainFromScratch, SCRATCH_CONTROL, scratchControl, scratchEvent } from './scratch';
import { report } from './proxies';
import type {
  Budget,
  LeaderboardEntry,
  SearchEndReason,
  SearchResult,
  SearchStatus,
} from '../src/contracts/search';

export interface SearchInput {
  experimentId: string;
  /** Absolute URI of `<storage>/experiments/<experimentId>`. */
  experimentUri: string;
  /** A validated config (loadSearchConfig's output). */
  config: SearchConfig;
  /** The fields of the config's kubernetes `executor` section its user set (ExperimentStart). */
  executorSettings?: SearchExecutorSettings;
  /** Absent on the first run; what the previous run carried over. */
  state?: SearchState;
}

/** Finish the candidates already running, start no more, write the report, end. */
export const stopSignal = defineSignal('stop');
/** Start no new candidates until resumed; running ones go on. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Changes some budget fields (null lifts a limit); returns the budget now in force. */
export const setBudgetUpdate = defineUpdate<Budget, [Partial<Budget>]>('setBudget');
export const statusQuery = defineQuery<SearchStatus>('status');

/**
 * patched() id: a candidate's device-seconds in the budget are the ones its executor measured
 * (pod start to end × GPUs) when its results carry them, not its training time × `gpus`.
 */
export const MEASURED_DEVICE_SECONDS = 'measured-device-seconds';
export const leaderboardQuery = defineQuery<LeaderboardEntry[]>('leaderboard');
/** patched() id: the search ends after `stopAfterSameFailures` candidates failed alike in a row. */
export const SAME_FAILURE_STOP = 'same-failure-stop';
/**
 * patched() id: a parent whose grown child found no feasible mutation gets no more grown
 * children (its continue control still trains); a generation left with none ends the search.
 */
export const NO_GROWTH_SKIPPED = 'no-growth-skipped';

export async function searchWorkflow(input: SearchInput): Promise<SearchResult> {
  const { experimentId, experimentUri, config } = input;
  const state = input.state ?? initialSearchState(config, Date.now());
  const running = new Set<string>();
  const lineage = new LineageWriter(experimentUri);
  let reason: SearchEndReason | null = null;
  // Configs from before the setting read as its default.
  const sameFailureLimit = config.stopAfterSameFailures ?? SAME_FAILURE_LIMIT;
  const failingSame = () => failingAlike(state.failureRun, sameFailureLimit);

  setHandler(stopSignal, () => void (state.stopRequested = true));
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));
  setHandler(
    setBudgetUpdate,
    (patch) => {
      state.budget = { ...state.budget, ...patch };
      return state.budget;
    },
    {
      validator: (patch) => {
        const problems = budgetPatchProblems(patch);
        if (problems.length > 0) throw new Error(problems.join('; '));
      },
    },
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
  // A candidate at its early-stop rung: judged against the generation's earlier rung scores.
  setHandler(rungReachedSignal, async (report) => {
    const rule = config.earlyStop;
    const earlier = state.rungScores ?? [];
    const decision = rule ? rungDecision(rule, earlier, report.valAcc) : { keep: true, threshold: null };
    if (rule) {
      if (report.valAcc !== null) state.rungScores = [...earlier, report.valAcc];
      lineage.write([
        {
          type: 'early-stop',
          at: new Date().toISOString(),
          generation: report.generation,
          candidate: report.candidateId,
          rule: rule.rule,
          epoch: report.epoch,
          valAcc: report.valAcc,
          peers: earlier.length,
          threshold: decision.threshold,
          decision: decision.keep ? 'continue' : 'stop',
        },
      ]);
    }
    const candidate = getExternalWorkflowHandle(workflowIds.candidate(experimentId, report.candidateId));
    await candidate.signal(rungVerdictSignal, { keep: decision.keep });
  });
  labelExperiment(experimentId, experimentUri, config.name, config.strategy.kind, config.dataset.name);

  const usage = () => ({
    candidates: state.candidates,
    startedAtMs: state.startedAtMs,
    deviceSeconds: state.deviceSeconds,
  });

  // This run's generation: the rest of one handed over by the previous run, or a new one.
  let children: ChildPlan[] = [];
  let plannedNoGrowth: string[] = [];
  if (state.pending) {
    children = state.pending;
  } else if (!state.stopRequested) {
    const limit = budgetExhausted(state.budget, usage(), Date.now());
    const plan = limit ? null : planNext();
    if (plan?.noGrowth) plannedNoGrowth = plan.noGrowth;
    if (limit) reason = `budget: ${limit}`;
    else if (plan?.end) reason = plan.end;
    else if (plan) {
      children = plan.children;
      if (config.earlyStop) state.rungScores = [];
      lineage.write(generationStarted(state.generation, plan, criterionOf(config.ranking?.penalty)));
    }
  }
  if (state.stopRequested) reason = 'stopped';

  let handOver: ChildPlan[] = [];
  if (!reason) {
    const noGrowth = noGrowthNote(plannedNoGrowth);
    setCurrentDetails(`generation ${state.generation} of ${generationCount(config.strategy)}${noGrowth}`);
    handOver = await runChildren(children);
    const best = bestViable(state.leaderboard);
    if (failingSame()) reason = 'same-failure';
    else if (handOver.length === 0) lineage.write(generationFinished(state.generation, children, best));
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.generation, value: state.generation },
      ...(best?.valAcc != null ? [{ key: SEARCH_ATTRIBUTES.bestValAcc, value: best.valAcc }] : []),
    ]);
    if (state.stopRequested && !reason) reason = 'stopped';
  }
  await lineage.flush();

  if (!reason) {
    // Signals and updates that arrived meanwhile are applied before the state is carried.
    await condition(allHandlersFinished);
    const next = handOver.length > 0 ? state.generation : state.generation + 1;
    return continueAsNew<typeof searchWorkflow>({
      experimentId,
      experimentUri,
      config,
      ...(input.executorSettings ? { executorSettings: input.executorSettings } : {}),
      state: carryState(state, {
        generation: next,
        pending: handOver,
        population: populationOf(config.strategy),
      }),
    });
  }

  const best = bestViable(state.leaderboard);
  setCurrentDetails(`finished: ${reason}`);
  // The control: the winner's architecture from random init (not after a stop: the user asked to end).
  const scratchRun =
    config.scratch?.enabled && best && reason !== 'stopped' && patched(SCRATCH_CONTROL)
      ? await retrainFromScratch({
          experimentId,
          experimentUri,
          config,
          generation: state.generation,
          winner: best,
          searchSeconds: (Date.now() - state.startedAtMs) / 1000,
        })
      : null;
  if (scratchRun) lineage.write(scratchRun.result.events);
  const scratchEntry = scratchRun?.result.entry;
  const tested = patched(FINALISTS_TESTED)
    ? await testFinalistsWith(
        experimentUri,
        config,
        state.leaderboard,
        lineage,
        scratchEntry?.checkpoint
          ? [{ candidateId: scratchEntry.candidateId, checkpoint: scratchEntry.checkpoint }]
          : [],
      )
    : undefined;
  const finalists = tested?.finalists;
  const scratch = scratchRun
    ? scratchControl(
        scratchRun,
        {
          scratch: tested?.extra[0]?.testAcc ?? null,
          grown: finalists?.find((f) => f.candidateId === scratchRun.winner.candidateId)?.testAcc ?? null,
        },
        config.scratch?.match ?? 'epochs',
      )
    : undefined;
  if (scratch) {
    lineage.write([scratchEvent(scratch)]);
    await lineage.flush();
  }
  const { uri, operations } = await report({
    experimentUri,
    experimentId,
    reason,
    best: best?.candidateId ?? null,
  });
  await condition(allHandlersFinished);
  return {
    experimentId,
    reason,
    generations: state.generation + (children.length > 0 ? 1 : 0),
    candidates: state.candidates,
    best,
    leaderboard: ranked(state.leaderboard).slice(0, 10),
    ...(finalists ? { finalists } : {}),
    ...(scratch ? { scratch } : {}),
    ...(operations ? { operations } : {}),
    ...(reason === 'same-failure' && state.failureRun
      ? { sameFailure: { count: state.failureRun.count, error: state.failureRun.error } }
      : {}),
    reportUri: uri,
  };

  function planNext(): GenerationPlan {
    const rng = new Rng(`${config.seed}:generation:${state.generation}`);
    const strategyState = { generation: state.generation, leaderboard: state.leaderboard };
    const left = candidatesLeft(state.budget, usage());
    const plan = planGeneration(config.strategy, strategyState, rng, left);
    // Absent from configs before controls existed: their histories replay unchanged.
    const controlled = config.controls?.continue
      ? withContinueControls(plan, state.generation, rng, left - plan.children.length)
      : plan;
    // Grown children of a parent with no feasible growth would only fail at their mutation.
    const pruned = withoutSaturated(controlled, state.leaderboard);
    return pruned !== controlled && patched(NO_GROWTH_SKIPPED) ? pruned : controlled;
  }

  /**
   * Starts the children at most `parallelism` at a time, while not paused, stopped or out of
   * budget, and waits for those it started. Returns the ones it did not start because the
   * server suggested continueAsNew (the history grew long), for the next run to start.
   */
  async function runChildren(plan: ChildPlan[]): Promise<ChildPlan[]> {
    const inFlight = new Set<Promise<void>>();
    const devicesPerRun = Math.max(1, config.executor.gpus);
    const measured = plan.length > 0 && patched(MEASURED_DEVICE_SECONDS);
    const watchFailures = plan.length > 0 && patched(SAME_FAILURE_STOP);
    const halted = () => state.stopRequested || (watchFailures && failingSame());
    let left: ChildPlan[] = [];
    for (let i = 0; i < plan.length; i++) {
      const parallelism = config.executor.parallelism;
      await condition(() => halted() || (!state.paused && inFlight.size < parallelism));
      if (halted() || budgetExhausted(state.budget, usage(), Date.now())) break;
      if (workflowInfo().continueAsNewSuggested) {
        left = plan.slice(i);
        break;
      }
      const child = plan[i];
      state.candidates += 1;
      running.add(child.childId);
      const args = {
        experimentId,
        experimentUri,
        config,
        executorSettings: input.executorSettings,
        generation: state.generation,
        child,
      };
      // Judged at a rung only with peers to judge against: not the start model alone.
      const earlyStop = config.earlyStop && plan.length > 1 ? { earlyStop: config.earlyStop } : {};
      const done: Promise<void> = launchCandidate({
        ...args,
        ...earlyStop,
        leaderboard: state.leaderboard,
      }).then((result) => {
        state.leaderboard = withEntry(state.leaderboard, result.entry);
        state.deviceSeconds +=
          measured && result.deviceSeconds != null
            ? result.deviceSeconds
            : result.trainSeconds * devicesPerRun;
        if (watchFailures) {
          state.failureRun = afterCandidate(
            state.failureRun,
            child.childId,
            result.entry.status,
            result.error,
          );
        }
        running.delete(child.childId);
        inFlight.delete(done);
        lineage.write(result.events);
      });
      inFlight.add(done);
    }
    await Promise.all(inFlight);
    return left;
  }
}

function generationStarted(generation: number, plan: GenerationPlan, criterion: string): LineageEventInput[] {
  const at = new Date().toISOString();
  const candidates = plan.children.map((c) => c.childId);
  const started: LineageEventInput = {
    type: 'generation',
    at,
    generation,
    status: 'started',
    candidates,
    ...(plan.noGrowth ? { noGrowth: plan.noGrowth } : {}),
  };
  const controls = plan.children.flatMap((c): LineageEventInput[] =>
    c.control && c.parentId
      ? [{ type: 'control', at, generation, candidate: c.childId, of: c.parentId, kind: c.control }]
      : [],
  );
  return plan.selection
    ? [started, { type: 'selection', at, generation, ...plan.selection, criterion }, ...controls]
    : [started, ...controls];
}

function noGrowthNote(parents: string[]): string {
  return parents.length > 0 ? `; no feasible growth of ${parents.join(', ')}: continue controls only` : '';
}

function generationFinished(
  generation: number,
  children: ChildPlan[],
  best: LeaderboardEntry | null,
): LineageEventInput[] {
  const at = new Date().toISOString();
  const candidates = children.map((c) => c.childId);
  return [
    { type: 'generation', at, generation, status: 'finished', candidates, best: best?.candidateId ?? null },
  ];
}
