/**
 * Scheduled growth (`grow` in a TrainSpec): one run that grows its network at given points of
 * its one schedule, as progressive growing does. A point is a fraction of the run's epochs,
 * rounded to an epoch boundary, and morph commands; there the trained weights and the
 * optimizer state go through the commands (src/morph/slots.ts), the model is rebuilt, and
 * training goes on along the same schedule and data order. Every epoch checkpoint holds the
 * network it was trained as and how many points were applied (`grown`), so a run resumed from
 * a boundary's checkpoint grows again there, the same way (the commands draw from the run's
 * seed), and one resumed after it continues the grown network.
 */
import { Rng } from '../graph';
import { applyCommands, SlotSet } from '../morph';
import { TrainSpec } from '../contracts/train';
import { Outcome, RunContext, trainEpochs } from './loop';
import { SLOT_MOMENTS, slotMaps, stateOfSlots } from './optimizer';
import { SpecError } from './spec-errors';
import { MakeTrainer } from './trainer';

/** The epoch after which each growth point applies; refuses points outside the run or out of order. */
export function growthEpochs(spec: Pick<TrainSpec, 'grow' | 'epochs'>): number[] {
  const epochs = spec.grow.map((g) => Math.round(g.at * spec.epochs));
  epochs.forEach((e, i) => {
    if (e < 1 || e >= spec.epochs) {
      throw new SpecError(
        `train spec is invalid: grow.${i}.at ${spec.grow[i].at} of ${spec.epochs} epochs is epoch ${e}; a growth point must fall after epoch 1 to ${spec.epochs - 1}`,
      );
    }
    if (i > 0 && e <= epochs[i - 1]) {
      throw new SpecError(
        `train spec is invalid: grow.${i} falls at epoch ${e}, not after grow.${i - 1} (epoch ${epochs[i - 1]}); give the points in order, at least an epoch apart`,
      );
    }
  });
  return epochs;
}

/**
 * Trains `ctx` to its end, growing at each point: between points the run pauses at the
 * boundary (a spec's own pause and a stop request still end it there).
 */
export async function trainGrowing(
  ctx: RunContext,
  points: readonly number[],
  makeTrainer: MakeTrainer,
  log: (line: string) => void,
): Promise<Outcome> {
  const own = ctx.spec.pauseAfterEpoch;
  for (;;) {
    const next = ctx.state.grown ?? 0;
    const at = points[next];
    if (at === undefined || (own > 0 && own <= at)) return trainEpochs(ctx);
    if (ctx.state.epoch < at) {
      const outcome = await trainEpochs({ ...ctx, spec: { ...ctx.spec, pauseAfterEpoch: at } });
      const paused = outcome.kind === 'stopped' && ctx.state.epoch === at && ctx.state.partial === null;
      if (!paused || ctx.signal?.aborted) return outcome;
    }
    await growAt(ctx, next, at, makeTrainer, log);
  }
}

/** Applies growth point `index` to the run's network, weights and optimizer state, in place. */
async function growAt(
  ctx: RunContext,
  index: number,
  epoch: number,
  makeTrainer: MakeTrainer,
  log: (line: string) => void,
): Promise<void> {
  const { ops, init } = ctx.spec.grow[index];
  const weights = await ctx.trainer.weights();
  const state = await ctx.trainer.optimizerState();
  const slots = new Map<string, SlotSet>(
    [...slotMaps(state, ctx.graph)].map(([k, values]) => [k, { moment: SLOT_MOMENTS[k] ?? 'first', values }]),
  );
  const rng = new Rng(ctx.spec.seed).fork('grow').fork(index);
  const grown = applyCommands(ctx.graph, weights, ops, rng, { slots, init });
  const trainer = await makeTrainer(grown.graph, grown.weights);
  try {
    const carried = new Map([...grown.slots].map(([k, s]) => [k, s.values]));
    await trainer.loadOptimizer(stateOfSlots(state.meta.kind, state.meta.iterations, carried));
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  ctx.trainer.dispose();
  Object.assign(ctx, { graph: grown.graph, trainer });
  ctx.state.grown = index + 1;
  const first = grown.steps[0];
  const last = grown.steps[grown.steps.length - 1];
  log(
    `grew after epoch ${epoch}: ${grown.steps.map((s) => s.command).join('; ')} ` +
      `(${first.paramsBefore.toLocaleString('en-US')} → ${last.paramsAfter.toLocaleString('en-US')} params` +
      `${grown.preserving ? '' : ', not function-preserving'})`,
  );
}
