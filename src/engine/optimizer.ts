/**
 * The optimizer's update ops, the same formulas as src/train/optimizer.ts:
 * SGD with momentum v ← μ·v + g, w ← w − lr·v (Nesterov: w ← w − lr·(g + μ·v)) is
 * ResourceApplyMomentum; without momentum ResourceApplyGradientDescent; Adam with the bias
 * corrections folded into the step size is ResourceApplyAdam fed β₁^t and β₂^t.
 * Optional clipping scales every gradient by clip / max(‖g‖, clip) first. Decoupled weight
 * decay subtracts lr·λ·w (w read before the step) beside the update: both are atomic
 * read-modify-writes of the variable under its lock, so their order does not matter.
 */
import { OptimizerSpec } from '../contracts/train';
import { attr, DT, GraphDefWriter } from './graphdef';

/** Slot names as src/train/optimizer.ts keeps them (and checkpoints' optimizer.bin). */
export function SLOT_NAMES(o: OptimizerSpec): string[] {
  return o.kind === 'adam' ? ['m', 'v'] : o.momentum > 0 ? ['velocity'] : [];
}

export interface UpdateParam {
  key: string;
  handle: string;
  grad: string;
  /** slot name → the slot variable's handle */
  slots: Record<string, string>;
  /** A decayed parameter (conv and dense kernels under weight decay): its value before the step. */
  decay?: string;
}

export interface Updates {
  /** Ops to run as the step's targets. */
  targets: string[];
  /** Adam's per-step scalars. */
  feeds: { beta1Power?: string; beta2Power?: string };
}

export function optimizerOps(
  w: GraphDefWriter,
  opts: { optimizer: OptimizerSpec; clipNorm?: number; weightDecay?: number },
  p: { lr: string; params: UpdateParam[] },
): Updates {
  const updates = applyOps(w, opts, p);
  const decayed = p.params.filter((q) => q.decay !== undefined);
  if (decayed.length === 0) return updates;
  const rate = w.op('Mul', 'decay/rate', [p.lr, w.scalar('decay/lambda', opts.weightDecay ?? 0)]);
  const decays = decayed.map((q) =>
    w.node(
      'AssignSubVariableOp',
      `decay/${q.key}`,
      [q.handle, w.op('Mul', `decay/${q.key}/delta`, [q.decay!, rate])],
      { dtype: attr.type(DT.float) },
    ),
  );
  return { ...updates, targets: [...updates.targets, ...decays] };
}

function applyOps(
  w: GraphDefWriter,
  opts: { optimizer: OptimizerSpec; clipNorm?: number },
  p: { lr: string; params: UpdateParam[] },
): Updates {
  const grads = opts.clipNorm === undefined ? p.params.map((q) => q.grad) : clip(w, p.params, opts.clipNorm);
  const o = opts.optimizer;
  const T = { T: attr.type(DT.float) };
  if (o.kind === 'sgd' && o.momentum === 0) {
    return {
      targets: p.params.map((q, i) =>
        w.node('ResourceApplyGradientDescent', `apply/${q.key}`, [q.handle, p.lr, grads[i]], T),
      ),
      feeds: {},
    };
  }
  if (o.kind === 'sgd') {
    const mom = w.scalar('opt/momentum', o.momentum);
    return {
      targets: p.params.map((q, i) =>
        w.node('ResourceApplyMomentum', `apply/${q.key}`, [q.handle, q.slots.velocity, p.lr, grads[i], mom], {
          ...T,
          use_nesterov: attr.bool(o.nesterov),
        }),
      ),
      feeds: {},
    };
  }
  const beta1Power = w.placeholder('opt/beta1_power', DT.float, []);
  const beta2Power = w.placeholder('opt/beta2_power', DT.float, []);
  const b1 = w.scalar('opt/beta1', o.beta1);
  const b2 = w.scalar('opt/beta2', o.beta2);
  const eps = w.scalar('opt/epsilon', o.epsilon);
  return {
    targets: p.params.map((q, i) =>
      w.node(
        'ResourceApplyAdam',
        `apply/${q.key}`,
        [q.handle, q.slots.m, q.slots.v, beta1Power, beta2Power, p.lr, b1, b2, eps, grads[i]],
        T,
      ),
    ),
    feeds: { beta1Power, beta2Power },
  };
}

/** Global-norm clipping (Pascanu et al. 2013), as clipByGlobalNorm in src/train/optimizer.ts. */
function clip(w: GraphDefWriter, params: UpdateParam[], maxNorm: number): string[] {
  const sums = params.map((q, i) => w.sum(`clip/part${i}`, w.op('Square', `clip/sq${i}`, [q.grad]), null));
  const total = sums.length === 1 ? sums[0] : w.op('AddN', 'clip/total', sums, { N: attr.int(sums.length) });
  const norm = w.op('Sqrt', 'clip/norm', [total]);
  const limit = w.scalar('clip/limit', maxNorm);
  const scale = w.op('RealDiv', 'clip/scale', [limit, w.op('Maximum', 'clip/max', [norm, limit])]);
  return params.map((q, i) => w.op('Mul', `clip/grad${i}`, [q.grad, scale]));
}
