/**
 * Small deterministic activities for workflow-logic tests: the real ones (morphisms, tfjs
 * training, storage) are tested where they live; here only the orchestration is under test.
 * Every result is a function of the input, so a rerun records the same history, and every
 * call is kept so a test can check what the workflow asked for.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type {
  Activities,
  EvaluateInput,
  MutateInput,
  RecordLineageInput,
  ReportInput,
  TestFinalistsInput,
  TrainActivityInput,
} from '../../src/contracts/activities';
import { NO_FEASIBLE_MUTATION, TRAIN_OUT_OF_MEMORY } from '../../src/contracts/errors';
import { hashString, Rng } from '../../src/graph/rng';
import { LineageEvent } from '../../src/contracts/lineage';
import { operationStats } from '../../src/report/operations';
import { candidateUri } from '../../src/search/train-spec';
import type { TrainResult } from '../../src/contracts/train';

export interface ScriptOptions {
  /** Candidates whose training diverges while the learning rate is above the value given. */
  divergeAboveLr?: Record<string, number>;
  /** Candidates whose mutation is refused (a non-retryable MorphError). */
  refuseMutation?: string[];
  /**
   * A sampled mutation (no explicit commands) of a parent with more parameters than this finds
   * no feasible command (NoFeasibleMutation, as the real one under `mutation.maxFlops`).
   */
  noGrowthAbove?: number;
  /** Milliseconds each training run takes (spent heartbeating). */
  trainMs?: number;
  /** Device-seconds each run's result says the executor measured (as the pod executor does). */
  deviceSeconds?: number;
  /** Runs killed for memory this many times (TrainOutOfMemory, as the pod executor fails) first. */
  outOfMemory?: Record<string, number>;
  /** Candidates whose training fails for good with the message given (a non-retryable error). */
  failTraining?: (candidateId: string) => string | null;
}

export interface ScriptedActivities extends Activities {
  calls: {
    mutate: MutateInput[];
    train: TrainActivityInput[];
    evaluate: EvaluateInput[];
    testFinalists: TestFinalistsInput[];
    report: ReportInput[];
    /** Runs whose training was cancelled. */
    cancelled: string[];
  };
  lineage: RecordLineageInput['events'];
}

const COMMANDS = [
  'wider conv1 x2',
  'deeper conv1',
  'kernel conv2 5',
  'deeper fc1',
  'wider fc1 x2',
  'insert conv1 bn',
];

/** A stand-in accuracy that rewards growth a little and varies by candidate. */
export function scriptedValAcc(candidateId: string, params: number): number {
  const jitter = (hashString(candidateId) % 200) / 1000;
  return Math.round((0.6 + Math.min(0.2, params / 100_000) + jitter) * 1e4) / 1e4;
}

export function scriptedActivities(opts: ScriptOptions = {}): ScriptedActivities {
  const params = new Map<string, number>();
  const accuracy = new Map<string, number>();
  const calls: ScriptedActivities['calls'] = {
    mutate: [],
    train: [],
    evaluate: [],
    testFinalists: [],
    report: [],
    cancelled: [],
  };
  const lineage: ScriptedActivities['lineage'] = [];
  const oomLeft = new Map(Object.entries(opts.outOfMemory ?? {}));
  return {
    calls,
    lineage,
    async mutate(input) {
      calls.mutate.push(input);
      if (opts.refuseMutation?.includes(input.childId)) {
        throw ApplicationFailure.nonRetryable(`cannot apply the command to ${input.childId}`, 'MorphError');
      }
      const rng = new Rng(input.seed);
      const commands = input.ops ?? Array.from({ length: input.mutations ?? 1 }, () => rng.pick(COMMANDS));
      let before =
        input.parent.kind === 'candidate' ? (params.get(input.parent.candidateId) ?? 10_000) : 10_000;
      if (input.ops === undefined && opts.noGrowthAbove !== undefined && before > opts.noGrowthAbove) {
        throw ApplicationFailure.nonRetryable(
          `mutate ${input.childId}: no feasible mutation of 'net' in 100 draws`,
          NO_FEASIBLE_MUTATION,
        );
      }
      const paramsBefore = before;
      const ops = commands.map((command) => {
        const after = before + 1000 + (hashString(command) % 4000);
        const op = { command, preserving: true, paramsBefore: before, paramsAfter: after, maxAbsDiff: 1e-6 };
        before = after;
        return op;
      });
      params.set(input.childId, before);
      return {
        candidateId: input.childId,
        checkpoint: candidateUri(input.experimentUri, input.childId),
        ops,
        preserving: true,
        maxAbsDiff: ops.length > 0 ? 1e-6 : null,
        paramsBefore,
        paramsAfter: before,
        // A stand-in FLOP count that grows with the parameters, for the FLOP penalty.
        flopsAfter: before * 50,
      };
    },
    async train(input) {
      calls.train.push(input);
      const { spec, candidateId } = input;
      const failure = opts.failTraining?.(candidateId);
      if (failure) throw ApplicationFailure.nonRetryable(failure, 'TrainerFailed');
      const kills = oomLeft.get(spec.runId) ?? 0;
      if (kills > 0) {
        oomLeft.set(spec.runId, kills - 1);
        throw ApplicationFailure.retryable(
          `run ${spec.runId}: pod ng-${spec.runId}-1 OOMKilled: the trainer ran out of memory`,
          TRAIN_OUT_OF_MEMORY,
          ...(opts.deviceSeconds !== undefined ? [{ deviceSeconds: opts.deviceSeconds }] : []),
        );
      }
      const lr = spec.optimizer?.lr ?? 0.05;
      const epochs = spec.epochs ?? 2;
      const limit = opts.divergeAboveLr?.[candidateId];
      const diverges = limit !== undefined && lr > limit;
      const acc = scriptedValAcc(candidateId, params.get(candidateId) ?? 10_000);
      // Heartbeats every 50 ms, as the real trainer does from a timer, so cancellation arrives.
      const started = Date.now();
      const trainMs = opts.trainMs ?? 0;
      try {
        for (let tick = 0; tick === 0 || Date.now() - started < trainMs; tick++) {
          const epoch = Math.min(
            epochs,
            1 + Math.floor(((Date.now() - started) / Math.max(1, trainMs)) * epochs),
          );
          Context.current().heartbeat({ epoch, step: tick, metrics: { loss: diverges ? null : 1 / epoch } });
          if (trainMs > 0) await Context.current().sleep(50);
        }
      } catch (err) {
        calls.cancelled.push(spec.runId);
        throw err;
      }
      const pause = spec.pauseAfterEpoch ?? 0;
      if (!diverges && pause > 0 && pause < epochs) {
        // Paused at the early-stop rung: a little below where it will end, in the same order.
        const rung = { loss: 0.6, acc, valLoss: 0.6, valAcc: Math.round((acc - 0.05) * 1e4) / 1e4 };
        return {
          format: 'netgrow.trainresult/v1',
          runId: spec.runId,
          status: 'stopped',
          epochsRun: pause,
          steps: pause * 10,
          final: rung,
          best: { ...rung, epoch: pause },
          validation: null,
          test: null,
          params: params.get(candidateId) ?? 10_000,
          wallSeconds: (60 * pause) / epochs,
          trainFlops: scriptedFlops(pause, params.get(candidateId)),
          checkpoint: `${spec.output}/epochs/${pause}`,
          resumedFromEpoch: null,
          diverged: null,
        } satisfies TrainResult;
      }
      const metrics = { loss: 0.4, acc: acc + 0.02, valLoss: 0.5, valAcc: acc };
      accuracy.set(candidateId, acc);
      const result: TrainResult = {
        format: 'netgrow.trainresult/v1',
        runId: spec.runId,
        status: diverges ? 'diverged' : 'completed',
        epochsRun: diverges ? 1 : epochs,
        steps: diverges ? 7 : epochs * 10,
        final: diverges ? null : metrics,
        best: diverges ? null : { ...metrics, epoch: epochs },
        validation: diverges ? null : { loss: 0.5, acc },
        test: diverges || spec.scoreTest === false ? null : { loss: 0.5, acc: acc - 0.01 },
        params: params.get(candidateId) ?? 10_000,
        wallSeconds: 60,
        trainFlops: scriptedFlops(diverges ? 1 : epochs, params.get(candidateId)),
        checkpoint: diverges ? null : `${spec.output}/final`,
        resumedFromEpoch: null,
        ...(opts.deviceSeconds !== undefined ? { deviceSeconds: opts.deviceSeconds } : {}),
        diverged: diverges
          ? { epoch: 1, step: 7, reason: 'loss is NaN', lossTail: [2.3, 9.1, null], lastGoodCheckpoint: null }
          : null,
      };
      return result;
    },
    async evaluate(input) {
      calls.evaluate.push(input);
      const acc = accuracy.get(input.candidateId) ?? 0;
      return {
        valAcc: acc,
        valLoss: 0.5,
        testAcc: acc - 0.01,
        testLoss: 0.55,
        params: params.get(input.candidateId) ?? 0,
      };
    },
    async testFinalists(input) {
      calls.testFinalists.push(input);
      return input.finalists.map((f) => {
        const acc = accuracy.get(f.candidateId) ?? 0;
        return { candidateId: f.candidateId, testAcc: acc - 0.01, testLoss: 0.55 };
      });
    },
    async report(input) {
      calls.report.push(input);
      // The real per-operation count, over the lineage these activities were handed.
      const operations = operationStats(lineage.map((e) => LineageEvent.parse(e)));
      return { uri: `${input.experimentUri}/report/index.html`, operations };
    },
    async recordLineage(input) {
      lineage.push(...input.events);
    },
  };
}

/** A scripted run's training FLOPs: 600 per parameter per epoch (its counts carried across a resume). */
export function scriptedFlops(epochs: number, params: number | undefined): number {
  return 600 * epochs * (params ?? 10_000);
}
