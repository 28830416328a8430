/**
 * The graph engine (src/engine) as a Trainer: each step one TensorFlow session run, the
 * learning rate fed per step so the schedule stays in loop.ts. The engine's session uses
 * TensorFlow's thread settings as the tensorflow backend does (TF_NUM_INTRAOP_THREADS and
 * TF_NUM_INTEROP_THREADS, else TensorFlow's choice).
 */
import { GraphEngine, openEngine } from '../engine/engine';
import { GraphAddon, loadGraphAddon } from '../engine/native';
import { UsageError } from '../contracts/errors';
import { Graph, Weights } from '../graph';
import { Trainer, TrainerOptions } from './trainer';

/** The addon, or a one-line error saying why the graph engine cannot run here. */
export function graphAddon(): GraphAddon {
  const { addon, why } = loadGraphAddon();
  if (!addon) throw new UsageError(`backend graph cannot run here: ${why}`);
  return addon;
}

export async function graphTrainer(graph: Graph, weights: Weights, o: TrainerOptions): Promise<Trainer> {
  const engine = await openEngine(graphAddon(), graph, weights, {
    optimizer: o.optimizer,
    l2: o.l2,
    clipNorm: o.clipNorm,
    weightDecay: o.weightDecay,
    labelSmoothing: o.labelSmoothing,
    distill: o.distill,
    threads: threadsFromEnv('TF_NUM_INTRAOP_THREADS'),
    interOpThreads: threadsFromEnv('TF_NUM_INTEROP_THREADS'),
  });
  return trainerOf(engine, o);
}

function trainerOf(engine: GraphEngine, o: TrainerOptions): Trainer {
  return {
    engine: 'graph',
    step: (b, lr) =>
      engine.step(b.x, b.y, b.rows, lr, b.teacher ? { labelled: b.labelled, teacher: b.teacher } : undefined),
    evaluate: (set) => engine.evaluate(set),
    weights: () => engine.readWeights(),
    optimizerState: () => engine.optimizerState(),
    misfit: (meta) => {
      if (meta.kind !== o.optimizer.kind)
        return `it is ${meta.kind} state, the spec asks for ${o.optimizer.kind}`;
      const kept = new Set(engine.slotNames);
      const missing = meta.slots.find((s) => !kept.has(s.slot));
      return missing ? `this optimizer keeps no '${missing.slot}' slot` : null;
    },
    loadOptimizer: (state) => engine.loadOptimizerState(state),
    dispose: () => engine.close(),
  };
}

function threadsFromEnv(name: string): number {
  const n = Number(process.env[name] ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}
