/**
 * train: hands the workflow's TrainSpec to the executor and waits, heartbeating progress so
 * that Temporal notices a dead worker and the UI shows epoch and step. A retry of the same
 * attempt (a worker lost, an outage) runs the same spec with `resume: true`, so the trainer
 * continues from the run's last epoch (or interrupted) checkpoint instead of epoch 0; and a
 * run whose result.json an earlier attempt already wrote is not trained again.
 */
import { Context } from '@temporalio/activity';
import type { TrainActivityInput, TrainHeartbeat } from '../src/contracts/activities';
import type { TrainProgress } from '../src/executor/executor';
import { TrainResult, TrainSpec } from '../src/contracts/train';
import { SearchExecutorSettings } from '../src/contracts/executor-settings';
import { readResultFile } from '../src/train/result-file';
import { ActivityDeps } from './context';
import { asExecutorFailure, badInput } from './failures';

/** Heartbeats between progress lines too: a slow epoch must not look like a dead worker. */
export const TRAIN_HEARTBEAT_MS = 5000;

export function trainActivity(deps: ActivityDeps) {
  return async function train(input: TrainActivityInput): Promise<TrainResult> {
    const parsed = TrainSpec.safeParse(input.spec);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw badInput(`train spec for ${input.candidateId}: ${issues}`, 'SpecError');
    }
    const spec = parsed.data;
    const settings = SearchExecutorSettings.optional().safeParse(input.executor);
    if (!settings.success) {
      const issues = settings.error.issues
        .map((i) => `executor.${i.path.join('.')}: ${i.message}`)
        .join('; ');
      throw badInput(`executor settings for ${input.candidateId}: ${issues}`, 'SpecError');
    }
    const ctx = Context.current();
    const log = deps.log ?? (() => undefined);
    const earlier = await finishedResult(deps, spec);
    if (earlier) {
      log(`${spec.runId}: already ${earlier.status} (result.json of an earlier attempt); not training again`);
      return earlier;
    }
    if (ctx.info.attempt > 1) {
      const seen = ctx.info.heartbeatDetails as TrainHeartbeat | undefined;
      log(
        `${spec.runId}: attempt ${ctx.info.attempt}, resuming` +
          (seen ? ` (last heartbeat: epoch ${seen.epoch}, step ${seen.step})` : ''),
      );
    }
    let last: TrainHeartbeat = { epoch: 0, step: 0, stepsPerEpoch: 0, epochs: spec.epochs, metrics: {} };
    const beat = () => ctx.heartbeat(last);
    const timer = setInterval(beat, deps.trainHeartbeatMs ?? TRAIN_HEARTBEAT_MS);
    beat();
    try {
      return await deps.executor.run(spec, {
        signal: ctx.cancellationSignal,
        ...(settings.data ? { executor: settings.data } : {}),
        onProgress: (p: TrainProgress) => {
          last = {
            epoch: p.epoch,
            step: p.step,
            stepsPerEpoch: p.stepsPerEpoch,
            epochs: spec.epochs,
            metrics: { loss: p.loss ?? null, acc: p.acc ?? null, valAcc: p.valAcc ?? null },
          };
          beat();
        },
        onWaiting: (why) => {
          const { waiting: _was, ...rest } = last;
          last = why === null ? rest : { ...rest, waiting: why };
          beat();
        },
      });
    } catch (e) {
      asExecutorFailure(e, 'TrainInfrastructure');
    } finally {
      clearInterval(timer);
    }
  };
}

/**
 * The result of this run when an earlier attempt finished it (the worker died between the
 * trainer's last write and the activity's completion). A `stopped` run is not finished: it
 * resumes.
 */
async function finishedResult(deps: ActivityDeps, spec: TrainSpec): Promise<TrainResult | null> {
  const result = await readResultFile(deps.openStore(spec.output));
  if (!result || result.runId !== spec.runId) return null;
  return result.status === 'stopped' ? null : result;
}
