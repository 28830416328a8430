/**
 * evaluate and testFinalists: trained checkpoints scored in a child `netgrow evaluate` process
 * (src/executor/score.ts), never on this worker's event loop, while the activity heartbeats
 * from a timer. Both run on the training queue, whose concurrency bounds the compute on a
 * machine.
 *
 * `evaluate` (validation and test of one candidate) is what candidate workflows called before
 * the trainer scored validation itself; it stays for their histories. `testFinalists` scores
 * the test split of a search's finalists once, after the search.
 */
import { Context } from '@temporalio/activity';
import type {
  EvaluateInput,
  EvaluateOutput,
  FinalistTest,
  TestFinalistsInput,
} from '../src/contracts/activities';
import { scoreInChildProcess, type ScoreRequest } from '../src/executor/score';
import type { CheckpointScore } from '../src/train/score';
import { ActivityDeps } from './context';
import { asExecutorFailure } from './failures';

/** Heartbeats while the child scores: the activity's liveness, and how cancellation arrives. */
export const SCORE_HEARTBEAT_MS = 5000;

export function evaluateActivity(deps: ActivityDeps) {
  return async (input: EvaluateInput): Promise<EvaluateOutput> => {
    const [score] = await scoreWhileBeating(deps, {
      checkpoints: [input.checkpoint],
      dataset: input.dataset,
      splits: ['val', 'test'],
      what: `evaluate ${input.candidateId}`,
    });
    return {
      valAcc: score.val?.acc ?? NaN,
      valLoss: score.val?.loss ?? NaN,
      testAcc: score.test?.acc ?? null,
      testLoss: score.test?.loss ?? null,
      params: score.params,
    };
  };
}

export function testFinalistsActivity(deps: ActivityDeps) {
  return async (input: TestFinalistsInput): Promise<FinalistTest[]> => {
    if (input.finalists.length === 0) return [];
    const scores = await scoreWhileBeating(deps, {
      checkpoints: input.finalists.map((f) => f.checkpoint),
      dataset: input.dataset,
      splits: ['test'],
      what: `test of ${input.finalists.map((f) => f.candidateId).join(', ')}`,
    });
    return input.finalists.map((f, i) => ({
      candidateId: f.candidateId,
      testAcc: scores[i].test?.acc ?? null,
      testLoss: scores[i].test?.loss ?? null,
    }));
  };
}

async function scoreWhileBeating(deps: ActivityDeps, req: ScoreRequest): Promise<CheckpointScore[]> {
  const ctx = Context.current();
  const beat = () => ctx.heartbeat();
  const timer = setInterval(beat, deps.scoreHeartbeatMs ?? SCORE_HEARTBEAT_MS);
  beat();
  try {
    return await scoreInChildProcess(req, { bin: deps.netgrowBin, signal: ctx.cancellationSignal });
  } catch (e) {
    asExecutorFailure(e, 'EvaluateInfrastructure');
  } finally {
    clearInterval(timer);
  }
}
