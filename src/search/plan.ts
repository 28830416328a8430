/**
 * Explicit plans, the seed's way of growing a teacher into a VGG-like net: stages of
 * commands, each applied to the previous stage's trained network and followed by training.
 * Text form: one stage per line, commands separated by `;`, `#` starts a comment.
 */
import type { Rng } from '../graph/rng';
import type { PlanStrategy } from './config';
import { isViable } from './leaderboard';
import { candidateId, type GenerationPlan, type StrategyState } from './generation';

export function parsePlanText(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => stageCommands(line).length > 0);
}

/** `deeper conv2; wider fc1 x2` → [`deeper conv2`, `wider fc1 x2`]. */
export function stageCommands(stage: string): string[] {
  return stage
    .split(';')
    .map((c) => c.trim().replace(/\s+/g, ' '))
    .filter((c) => c !== '');
}

/** Generation g (≥ 1) applies stage g-1 to generation g-1's candidate. */
export function planStages(strategy: PlanStrategy, state: StrategyState, rng: Rng): GenerationPlan {
  const stage = strategy.stages[state.generation - 1];
  if (stage === undefined) return { children: [], selection: null, end: 'plan-finished' };
  const previous = state.leaderboard.find((e) => e.generation === state.generation - 1);
  if (!previous || !isViable(previous)) return { children: [], selection: null, end: 'no-viable-parent' };
  const child = {
    parentId: previous.candidateId,
    childId: candidateId(state.generation, 0),
    seed: rng.u32(),
    ops: stageCommands(stage),
  };
  return { children: [child], selection: null };
}
