/**
 * The in-search control (`controls.continue`): beside a generation's grown children, each
 * parent they grow from also gets a "continue" child — the parent unchanged (no command, so
 * the same architecture and weights), trained the same epochs. A child always trains more
 * epochs than its parent did, so "beat its parent" measures the extra epochs as much as the
 * growth; "beat the continue control" measures the growth alone.
 */
import type { Rng } from '../graph/rng';
import { candidateId, type GenerationPlan } from './generation';

/**
 * `plan` with one continue child per distinct trained parent appended (ids after the grown
 * children's), at most `room` of them: the candidates the budget has left after the plan.
 */
export function withContinueControls(
  plan: GenerationPlan,
  generation: number,
  rng: Rng,
  room: number,
): GenerationPlan {
  if (plan.end || room <= 0) return plan;
  const parents = [...new Set(plan.children.map((c) => c.parentId))].filter((p): p is string => p !== null);
  const controls = parents.slice(0, room).map((parentId, i) => ({
    parentId,
    childId: candidateId(generation, plan.children.length + i),
    seed: rng.u32(),
    ops: [],
    control: 'continue' as const,
  }));
  return { ...plan, children: [...plan.children, ...controls] };
}
