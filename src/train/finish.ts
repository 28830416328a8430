/**
 * The end of a run: the trained checkpoint (`final/`), its validation (and, when the spec asks,
 * test) metrics, `result.json` beside the logs and the closing lineage event.
 */
import { countFlops, countParams } from '../graph';
import { writeCheckpoint } from '../model/checkpoint';
import { joinUri } from '../storage/uri';
import { RunContext, Outcome } from './loop';
import { epochPrefix, EpochRecord, INTERRUPTED, removeCheckpoint } from './run-state';
import { Metrics, TrainResult } from '../contracts/train';
import { BUILTIN_PREFIX } from '../model/resolve';
import { RESULT_FILE } from './result-file';
import { putContinuation } from './continuation';

export const FINAL = 'final';

export async function finishRun(
  ctx: RunContext,
  outcome: Outcome,
  resumedFromEpoch: number | null,
): Promise<TrainResult> {
  const { spec, state, out, logs } = ctx;
  const history = state.history;
  const last = history.at(-1);
  const final = last ? metricsOf(last) : null;
  const bestRec = best(history);
  let checkpoint: string | null = null;
  let test: TrainResult['test'] = null;
  let validation: TrainResult['validation'] = null;
  const start = state.lineageStart;
  const lineage = start
    ? { epochs: start.epochs + state.epoch, steps: start.steps + state.globalStep }
    : null;
  if (outcome.kind === 'completed') {
    // Lineage mode: what the children of this checkpoint continue from (continuation.ts).
    const continuation = lineage
      ? await putContinuation(
          out,
          FINAL,
          { ...lineage, baseLr: spec.optimizer.lr, schedule: state.schedule },
          await ctx.trainer.optimizerState(),
        )
      : null;
    await writeCheckpoint(out, FINAL, ctx.graph, await ctx.trainer.weights(), {
      parent: spec.checkpoint.startsWith(BUILTIN_PREFIX) ? null : spec.checkpoint,
      operation: `train:${spec.runId}`,
      metrics: final
        ? { loss: final.loss, acc: final.acc, val_loss: final.valLoss, val_acc: final.valAcc }
        : {},
      extra: {
        runId: spec.runId,
        epochs: state.epoch,
        steps: state.globalStep,
        ...(continuation ? { continuation } : {}),
      },
    });
    checkpoint = joinUri(out.uri, FINAL);
    // A mid-epoch stop's checkpoint is behind every epoch checkpoint now; it would only take space.
    await removeCheckpoint(out, INTERRUPTED);
    // The last epoch's validation pass ran on exactly these weights: no step came after it.
    if (last && last.valLoss !== null && last.valAcc !== null)
      validation = { loss: last.valLoss, acc: last.valAcc };
    if (ctx.data.test && spec.scoreTest) test = await ctx.trainer.evaluate(ctx.data.test);
  } else if (outcome.kind === 'stopped') {
    checkpoint = joinUri(out.uri, outcome.checkpoint);
  }
  const wallSeconds = ctx.wallSeconds();
  // Counted step by step with the network each step trained; older checkpoints: samples × this one.
  const trainFlops =
    state.trainFlops ??
    (state.samplesSeen === undefined ? undefined : state.samplesSeen * countFlops(ctx.graph).trainFlops);
  const result: TrainResult = TrainResult.parse({
    format: 'netgrow.trainresult/v1',
    runId: spec.runId,
    status: outcome.kind,
    epochsRun: state.epoch,
    steps: state.globalStep,
    final,
    best: bestRec ? { ...metricsOf(bestRec), epoch: bestRec.epoch } : null,
    validation,
    test,
    params: countParams(ctx.graph),
    ...(trainFlops !== undefined && { trainFlops }),
    wallSeconds,
    ...(ctx.backend && { backend: ctx.backend }), // no key at all when unknown, as in result.json
    checkpoint,
    resumedFromEpoch,
    ...(lineage ? { lineage } : {}),
    diverged:
      outcome.kind === 'diverged'
        ? {
            epoch: outcome.epoch,
            step: outcome.step,
            reason: outcome.reason,
            lossTail: outcome.lossTail,
            lastGoodCheckpoint:
              state.epoch > 0
                ? joinUri(out.uri, epochPrefix(state.epoch))
                : spec.checkpoint.startsWith(BUILTIN_PREFIX)
                  ? null
                  : spec.checkpoint,
          }
        : null,
  });
  await out.put(RESULT_FILE, JSON.stringify(result, null, 2) + '\n');
  await logs.flush();
  await logs.training({
    candidate: spec.candidate ?? spec.runId,
    runId: spec.runId,
    status: outcome.kind,
    epochs: state.epoch,
    metrics: {
      ...(final ? { loss: final.loss, acc: final.acc, val_loss: final.valLoss, val_acc: final.valAcc } : {}),
      ...(test ? { test_loss: test.loss, test_acc: test.acc } : {}),
    },
    wallSeconds,
    ...(trainFlops !== undefined && { trainFlops }),
  });
  const note =
    outcome.kind === 'completed'
      ? `done (${outcome.reason}): ${state.epoch} epochs, ${state.globalStep} steps${test ? `, test acc ${test.acc.toFixed(4)}` : ''}`
      : outcome.kind === 'diverged'
        ? `diverged at epoch ${outcome.epoch} step ${outcome.step}: ${outcome.reason}`
        : `stopped at step ${state.globalStep}; resume from ${checkpoint}`;
  logs.print(`${note}; result: ${joinUri(out.uri, RESULT_FILE)}`);
  return result;
}

function metricsOf(r: EpochRecord): Metrics {
  return { loss: r.loss, acc: r.acc, valLoss: r.valLoss, valAcc: r.valAcc };
}

/** The epoch with the best val accuracy (train accuracy without a validation split); first wins ties. */
function best(history: readonly EpochRecord[]): EpochRecord | null {
  let b: EpochRecord | null = null;
  const score = (r: EpochRecord): number => r.valAcc ?? r.acc;
  for (const r of history) if (!b || score(r) > score(b)) b = r;
  return b;
}
