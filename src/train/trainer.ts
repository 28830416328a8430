/**
 * What the training loop trains one network through: a step, scoring, and the weights and
 * optimizer state a checkpoint holds. Two engines implement it: tfjs eager (a tfjs-layers
 * model and step.ts's Stepper, on whichever tfjs backend runs) and the graph engine
 * (graph-trainer.ts: the whole step as one TensorFlow session run). Both read and write the
 * same weights and optimizer state, so a checkpoint written by either is resumed by the other.
 * The calls are async because the graph engine runs its session off the main thread.
 */
import { Graph, Shape, Weights } from '../graph';
import { buildModel, readWeights } from '../model/build';
import { OptimizerSpec } from '../contracts/train';
import { Optimizer, OptimizerState, OptimizerStateMeta } from './optimizer';
import { StepBatch, StepOutcome, Stepper } from './step';

export type EngineName = 'eager' | 'graph';

export interface Trainer {
  readonly engine: EngineName;
  step(b: StepBatch, lr: number): Promise<StepOutcome>;
  /** Mean cross-entropy and accuracy over a labelled set, in inference mode. */
  evaluate(set: { x: Float32Array; y: Int32Array; count: number }): Promise<{ loss: number; acc: number }>;
  /** Every parameter, batch norm's moving statistics included, keyed `nodeId/param`. */
  weights(): Promise<Weights>;
  optimizerState(): Promise<OptimizerState>;
  /** Why a saved state cannot be loaded (another optimizer kind, a slot this one keeps not); null when it can. */
  misfit(meta: OptimizerStateMeta): string | null;
  /** Restores a saved state; throws when it belongs to another optimizer or network. */
  loadOptimizer(state: OptimizerState): Promise<void>;
  dispose(): void;
}

/** What a run's spec says about the step, whichever engine runs it. */
export interface TrainerOptions {
  optimizer: OptimizerSpec;
  inputShape: Shape;
  classes: number;
  l2: number;
  weightDecay?: number;
  labelSmoothing?: number;
  clipNorm?: number;
  distill?: { temperature: number; alpha: number };
}

/** Opens a trainer for a network and its weights, with a fresh optimizer. */
export type MakeTrainer = (graph: Graph, weights: Weights) => Promise<Trainer>;

/** tfjs eager: a tfjs-layers model stepped by Stepper on the process's tfjs backend. */
export function eagerTrainer(graph: Graph, weights: Weights, o: TrainerOptions): Trainer {
  const model = buildModel(graph, weights, { logits: true });
  let stepper: Stepper;
  try {
    stepper = new Stepper(model, graph, (params) => new Optimizer(o.optimizer, params), o);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return {
    engine: 'eager',
    step: async (b, lr) => stepper.step(b, lr),
    evaluate: async (set) => stepper.evaluate(set),
    weights: async () => readWeights(model, graph),
    optimizerState: async () => stepper.optimizer.state(),
    misfit: (meta) => stepper.optimizer.misfit(meta),
    loadOptimizer: async (state) => stepper.optimizer.load(state),
    dispose: () => {
      stepper.dispose();
      model.dispose();
    },
  };
}
