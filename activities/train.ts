/**
 * train: hands the workflow's TrainSpec to the executor and waits, heartbeating progress so
 * that Temporal notices a dead worker and the UI shows epoch and step. A retry of the same
 * attempt resumes from the run's last epoch checkpoint (the spec says `resume: true`).
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { TrainActivityInput, TrainHeartbeat } from './types';
import { ExecutorError, TrainProgress } from '../src/executor/executor';
import { TrainResult, TrainSpec } from '../src/train/spec';
import { ActivityDeps } from './context';

export function trainActivity(deps: ActivityDeps) {
  return async function train(input: TrainActivityInput): Promise<TrainResult> {
    const parsed = TrainSpec.safeParse(input.spec);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw ApplicationFailure.nonRetryable(`train spec for ${input.candidateId}: ${issues}`, 'BadTrainSpec');
    }
    const ctx = Context.current();
    let last: TrainHeartbeat = { epoch: 0, step: 0, metrics: {} };
    const beat = () => ctx.heartbeat(last);
    // Heartbeat on a timer too: a slow epoch must not look like a dead worker.
    const timer = setInterval(beat, 5000);
    beat();
    try {
      return await deps.executor.run(parsed.data, {
        signal: ctx.cancellationSignal,
        onProgress: (p: TrainProgress) => {
          last = {
            epoch: p.epoch,
            step: p.step,
            metrics: { loss: p.loss ?? null, acc: p.acc ?? null, valAcc: p.valAcc ?? null },
          };
          beat();
        },
      });
    } catch (e) {
      if (e instanceof ExecutorError) {
        if (e.code === 'cancelled') throw new CancelledFailure(e.message);
        if (e.code === 'bad_input') throw ApplicationFailure.nonRetryable(e.message, 'BadTrainInput');
        throw ApplicationFailure.retryable(e.message, 'TrainInfrastructure');
      }
      throw e;
    } finally {
      clearInterval(timer);
    }
  };
}
