/**
 * SGD (momentum, Nesterov) and Adam with their state in the open, so that an epoch checkpoint
 * can hold it and a resumed run continues bit for bit. The learning rate is an argument of
 * every step: schedules change it without touching optimizer state.
 */
import { z } from 'zod';
import { tf } from '../backend/tf';
import { OptimizerSpec } from '../contracts/train';
import { Graph, paramEntries, Weights } from '../graph';

/** A trainable parameter: a stable key (`conv1/kernel`) and the variable the model reads. */
export interface Param {
  key: string;
  variable: tf.Variable;
}

export const OptimizerStateMeta = z.strictObject({
  kind: z.enum(['sgd', 'adam']),
  iterations: z.number().int().min(0),
  /** Slot tensors in the order their values follow each other in the state blob. */
  slots: z.array(z.strictObject({ key: z.string(), slot: z.string(), shape: z.array(z.number().int()) })),
});
export type OptimizerStateMeta = z.infer<typeof OptimizerStateMeta>;

export interface OptimizerState {
  meta: OptimizerStateMeta;
  data: Float32Array;
}

/**
 * What each slot is, for carrying it through a morphism (src/morph/slots.ts): velocity and m
 * are first moments of the gradient, v a second moment.
 */
export const SLOT_MOMENTS: Record<string, 'first' | 'second'> = {
  velocity: 'first',
  m: 'first',
  v: 'second',
};

/**
 * A saved state as one tensor map per slot, keyed like the weights (the morphisms' form). With
 * the network's graph, each slot takes its parameter's graph shape: tfjs keeps a PReLU's alpha
 * as [1, 1, C] where the graph says [C].
 */
export function slotMaps(state: OptimizerState, graph?: Graph): Map<string, Weights> {
  const shapes = new Map(graph ? paramEntries(graph).map((p) => [p.key, p.shape]) : []);
  const maps = new Map<string, Weights>();
  let off = 0;
  for (const s of state.meta.slots) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const own = shapes.get(s.key);
    const shape = own && own.reduce((a, b) => a * b, 1) === n ? [...own] : [...s.shape];
    if (!maps.has(s.slot)) maps.set(s.slot, new Map());
    maps.get(s.slot)!.set(s.key, { shape, data: state.data.slice(off, off + n) });
    off += n;
  }
  return maps;
}

/** The inverse of `slotMaps`: a state that `Optimizer.load` takes. */
export function stateOfSlots(
  kind: OptimizerStateMeta['kind'],
  iterations: number,
  maps: ReadonlyMap<string, Weights>,
): OptimizerState {
  const slots: OptimizerStateMeta['slots'] = [];
  const parts: Float32Array[] = [];
  for (const [slot, byKey] of maps) {
    for (const [key, t] of byKey) {
      slots.push({ key, slot, shape: [...t.shape] });
      parts.push(t.data);
    }
  }
  return { meta: { kind, iterations, slots }, data: concat(parts) };
}

const squeezed = (shape: readonly number[]): string => shape.filter((d) => d !== 1).join();

function concat(parts: readonly Float32Array[]): Float32Array {
  const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    data.set(p, off);
    off += p.length;
  }
  return data;
}

export class Optimizer {
  private iterations = 0;
  /** slot name → param key → tensor (kept, never inside a tidy). */
  private readonly slots = new Map<string, Map<string, tf.Variable>>();

  constructor(
    readonly spec: OptimizerSpec,
    private readonly params: readonly Param[],
  ) {
    const names = spec.kind === 'adam' ? ['m', 'v'] : spec.momentum > 0 ? ['velocity'] : [];
    for (const name of names) {
      // In a tidy: the zeros would otherwise outlive the variable that shares their memory.
      const zeros = (p: Param) => tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false));
      this.slots.set(name, new Map(params.map((p) => [p.key, zeros(p)])));
    }
  }

  get steps(): number {
    return this.iterations;
  }

  /** One update with the given gradients (by param key) and learning rate. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.iterations++;
    const t = this.iterations;
    tf.tidy(() => {
      for (const p of this.params) {
        const g = grads.get(p.key);
        if (!g) continue; // a parameter the loss does not reach (e.g. beyond the logits cut)
        p.variable.assign(tf.sub(p.variable, this.step(p.key, g, lr, t)));
      }
    });
  }

  private step(key: string, g: tf.Tensor, lr: number, t: number): tf.Tensor {
    const s = this.spec;
    if (s.kind === 'sgd') {
      if (s.momentum === 0) return tf.mul(g, lr);
      // PyTorch's form (v ← μv + g; p ← p − lr·v) applies a new learning rate at once.
      const v = this.slots.get('velocity')!.get(key)!;
      const next = tf.add(tf.mul(v, s.momentum), g);
      v.assign(next);
      return tf.mul(s.nesterov ? tf.add(g, tf.mul(next, s.momentum)) : next, lr);
    }
    const m = this.slots.get('m')!.get(key)!;
    const v = this.slots.get('v')!.get(key)!;
    m.assign(tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1)));
    v.assign(tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2)));
    // Keras folds the bias corrections into the step size (Kingma & Ba 2015, end of §2).
    const lrT = (lr * Math.sqrt(1 - s.beta2 ** t)) / (1 - s.beta1 ** t);
    return tf.mul(tf.div(m, tf.add(tf.sqrt(v), s.epsilon)), lrT);
  }

  state(): OptimizerState {
    const slots: OptimizerStateMeta['slots'] = [];
    const parts: Float32Array[] = [];
    for (const [slot, byKey] of this.slots) {
      for (const [key, v] of byKey) {
        slots.push({ key, slot, shape: [...v.shape] });
        parts.push(v.dataSync() as Float32Array);
      }
    }
    return { meta: { kind: this.spec.kind, iterations: this.iterations, slots }, data: concat(parts) };
  }

  /**
   * Why a saved state cannot be loaded into this optimizer (another kind, or a slot it does not
   * keep: SGD without momentum has none); null when it can. Shapes are `load`'s to check.
   */
  misfit(meta: OptimizerStateMeta): string | null {
    if (meta.kind !== this.spec.kind) return `it is ${meta.kind} state, the spec asks for ${this.spec.kind}`;
    const missing = meta.slots.find((s) => !this.slots.has(s.slot));
    return missing ? `this optimizer keeps no '${missing.slot}' slot` : null;
  }

  /**
   * Restores a saved state; throws when it belongs to another optimizer or network. Parameters
   * the state has no slots for keep theirs: zero in a new optimizer (new units of a grown network).
   */
  load(state: OptimizerState): void {
    const { meta, data } = state;
    if (meta.kind !== this.spec.kind) {
      throw new Error(`optimizer state is for ${meta.kind}, the spec asks for ${this.spec.kind}`);
    }
    let off = 0;
    for (const s of meta.slots) {
      const v = this.slots.get(s.slot)?.get(s.key);
      const n = s.shape.reduce((a, b) => a * b, 1);
      // The same values in the same order: shapes may differ by unit axes ([C] vs tfjs' [1, 1, C]).
      if (!v || v.size !== n || squeezed(v.shape) !== squeezed(s.shape)) {
        throw new Error(
          `optimizer state slot ${s.slot} of '${s.key}' [${s.shape}] does not fit this network`,
        );
      }
      tf.tidy(() => v.assign(tf.tensor(data.subarray(off, off + n), v.shape)));
      off += n;
    }
    if (off !== data.length)
      throw new Error(`optimizer state holds ${data.length} values, its manifest ${off}`);
    this.iterations = meta.iterations;
  }

  dispose(): void {
    for (const byKey of this.slots.values()) for (const v of byKey.values()) v.dispose();
    this.slots.clear();
  }
}

/**
 * Scales gradients so that their global L2 norm is at most `maxNorm` (Pascanu et al. 2013).
 * Returns new tensors (the caller disposes them) and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: ReadonlyMap<string, tf.Tensor>,
  maxNorm: number,
): { grads: Map<string, tf.Tensor>; norm: tf.Scalar } {
  const keys = [...grads.keys()];
  // tidy keeps what it returns only inside arrays and plain objects, not Maps.
  const [norm, ...clipped] = tf.tidy(() => {
    const squares = keys.map((k) => tf.sum(tf.square(grads.get(k)!)));
    const n = tf.sqrt(tf.addN(squares));
    const scale = tf.div(maxNorm, tf.maximum(n, maxNorm));
    return [n, ...keys.map((k) => tf.mul(grads.get(k)!, scale))];
  });
  return { grads: new Map(keys.map((k, i) => [k, clipped[i]])), norm: norm as tf.Scalar };
}
