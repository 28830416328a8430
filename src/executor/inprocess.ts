/**
 * Runs training inside this process: for tests and the orchestration benchmark, where a child
 * process per run would only measure Node's start-up. Runs one at a time: tfjs has one engine
 * per process, and two loops interleaving on it would only slow each other down.
 */
import { isInputError } from '../contracts/errors';
import { initBackend, outOfMemoryKind } from '../backend';
import { loadTrainingData } from '../data';
import { runTraining } from '../train/run';
import { TrainResult, TrainSpec } from '../contracts/train';
import { ExecutorError, RunOptions, Slots, TrainExecutor } from './executor';

export interface InProcessExecutorOptions {
  log?: (line: string) => void;
}

export class InProcessExecutor implements TrainExecutor {
  readonly kind = 'inprocess' as const;
  private readonly slots = new Slots(1);

  constructor(private readonly opts: InProcessExecutorOptions = {}) {}

  run(spec: TrainSpec, { onProgress, signal }: RunOptions = {}): Promise<TrainResult> {
    return this.slots.take(async () => {
      if (signal?.aborted)
        throw new ExecutorError('cancelled', `run ${spec.runId} cancelled before it started`);
      let result: TrainResult;
      try {
        await initBackend({ log: this.opts.log ?? (() => undefined) });
        result = await runTraining(spec, {
          signal,
          log: this.opts.log ?? (() => undefined),
          loadData: (s) => loadTrainingData(s),
          onProgress: (p) =>
            onProgress?.({
              epoch: p.epoch,
              step: p.step,
              stepsPerEpoch: p.stepsPerEpoch,
              loss: p.loss ?? null,
              acc: p.acc ?? null,
              valAcc: p.valAcc ?? null,
            }),
        });
      } catch (e) {
        const oom = outOfMemoryKind(e);
        throw new ExecutorError(
          isInputError(e) ? 'bad_input' : 'infrastructure',
          `run ${spec.runId}: ${oom ? `out of accelerator memory (${oom}): ` : ''}${(e as Error).message}`,
          { outOfMemory: oom !== null },
        );
      }
      if (signal?.aborted) throw new ExecutorError('cancelled', `run ${spec.runId} cancelled`);
      return result;
    });
  }
}
