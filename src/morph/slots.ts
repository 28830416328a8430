/**
 * Optimizer state through a morphism. A slot (SGD's velocity, Adam's m and v) is one tensor per
 * trainable parameter, keyed like the weights, and every plan derives the child's slots from
 * the parent's as it derives the weights: the rule is that one optimizer step of the child
 * from the carried state equals the parent's step seen through the command's weight map.
 *
 * Every weight map here is affine, W' = M·W + c (copy, zero-pad, sum pooled rows, divide a
 * split row by its replica count; c = the constants of new units: identity kernels, zero
 * projections, batch-norm identities). A step moves W by −Δ, so the child must move by −M·Δ:
 * - First moments (velocity, m) map by M itself, with c = 0: new units and randomised copies
 *   start at zero, copied units copy, and a Net2Wider split consumer row is DIVIDED by its
 *   replica count like the weight. Momentum's part of the next update (lr·μ·v, Nesterov's
 *   lr·μ²·v) is then exactly the parent's seen through the map; copying instead would have the
 *   c replicas carry c times the parent's velocity, an overshoot by c along every split unit.
 *   With the gradient also mapped by M, the whole SGD step commutes with the morph (pinned by
 *   tests/morph/slots.test.ts).
 * - Second moments (Adam's v) map the same way except on a split row, where v is COPIED: Adam
 *   steps by m/(√v + ε), so with m divided by c and v unchanged the step is divided by c, as
 *   the weight was; v/c² (the square of the map) would make each replica take the parent's
 *   full step. Rows summed by a pool sum their v too (variances of independent gradients add).
 *
 * What no slot map can give: the child's real gradients are not M·g. Through a split the
 * outgoing rows' gradients are copied and the incoming ones divided by c (the transpose of
 * the map, not the map), because SGD and Adam are not invariant to that reparametrisation; so
 * after `wider` the child's first step differs from the mapped parent step in its gradient
 * part, whatever the slots. For commands that only add units (deeper, skip, group, branch,
 * insert, kernel's new taps) the inherited coordinates' gradients are the parent's, and the
 * step agrees there exactly; the new units move by their own gradients.
 */
import type { WeightTensor, Weights } from '../graph';

export type Moment = 'first' | 'second';

/**
 * The child's slots: the parent's, with the tensors a command replaces derived by `set`. Only
 * tensors the parent has slots for are kept or derived; a new tensor has none (zero when the
 * optimizer loads it).
 */
export function withSlots(parent: Weights, set: Iterable<[string, WeightTensor]>): Weights {
  const s = new Map(parent);
  for (const [k, t] of set) if (parent.has(k)) s.set(k, t);
  return s;
}
