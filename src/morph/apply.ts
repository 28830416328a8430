/**
 * A sequence of commands, applied in order. Positional names (`conv3`, `fc1`) resolve against
 * the network as it is when each command applies, since every transform returns a canonical
 * graph — so `deeper conv2; deeper conv3` deepens the layer the first command inserted, and
 * the seed's plans apply verbatim.
 */
import { countParams, Graph, Rng, Weights } from '../graph';
import { Command, formatCommand, toCommands } from './command';
import { MorphError } from './errors';
import { planMorph } from './morph';
import { planRandomInit, UnitInit } from './random-init';
import type { Moment } from './slots';
import { MorphPlan } from './types';

export interface MorphStep {
  /** The command in canonical text form. */
  command: string;
  preserving: boolean;
  description: string;
  added: string[];
  changed: string[];
  /** The command added a linear layer (MorphPlan.linearLayer). */
  linearLayer: boolean;
  paramsBefore: number;
  paramsAfter: number;
}

export interface AppliedCommands {
  graph: Graph;
  weights: Weights;
  steps: MorphStep[];
  /** Whether every step preserves the function. */
  preserving: boolean;
  /** The optimizer slots given in `ApplyOptions.slots`, carried through every command (slots.ts). */
  slots: Map<string, SlotSet>;
}

/** One optimizer slot (`velocity`, `m`, `v`) of every parameter that has it, keyed like the weights. */
export interface SlotSet {
  moment: Moment;
  values: Weights;
}

export interface ApplyOptions {
  /** Called after each command with the network it produced (checks, logging). */
  onStep?: (step: MorphStep, graph: Graph, weights: Weights, index: number) => void;
  /** The parent's optimizer slots by slot name, to carry to the child with the weights. */
  slots?: ReadonlyMap<string, SlotSet>;
  /**
   * `random`: the same architecture changes with new units from the initialiser instead of
   * function-preserving values (random-init.ts); their optimizer slots are zero. Default `preserve`.
   */
  init?: UnitInit;
}

/**
 * Applies `commands` (text `a; b; c`, or a list of texts / JSON objects) in order. Each command
 * draws from its own fork of `rng`, so a command's randomness does not depend on how much the
 * ones before it drew. A refusal names the command and its position.
 */
export function applyCommands(
  graph: Graph,
  weights: Weights,
  commands: string | readonly unknown[],
  rng: Rng,
  opts: ApplyOptions = {},
): AppliedCommands {
  let w = weights;
  const slots = new Map(opts.slots);
  const { graph: g, steps } = run(
    graph,
    commands,
    rng,
    (plan, step, i) => {
      w = plan.weights(w);
      for (const [name, set] of slots)
        slots.set(name, { ...set, values: plan.slots(set.values, set.moment) });
      opts.onStep?.(step, plan.graph, w, i);
    },
    opts.init,
  );
  return { graph: g, weights: w, steps, preserving: steps.every((s) => s.preserving), slots };
}

/** The same sequence on the architecture alone: validates a plan and reports its steps, no weights. */
export function planCommands(
  graph: Graph,
  commands: string | readonly unknown[],
  rng: Rng,
): { graph: Graph; steps: MorphStep[] } {
  return run(graph, commands, rng, () => {});
}

function run(
  graph: Graph,
  commands: string | readonly unknown[],
  rng: Rng,
  each: (plan: MorphPlan, step: MorphStep, index: number) => void,
  init: UnitInit = 'preserve',
): { graph: Graph; steps: MorphStep[] } {
  const list: Command[] = toCommands(commands);
  const steps: MorphStep[] = [];
  let g = graph;
  let params = countParams(g);
  list.forEach((c, i) => {
    let plan: MorphPlan;
    try {
      const r = rng.fork(i);
      plan = init === 'random' ? planRandomInit(g, c, r) : planMorph(g, c, r);
    } catch (e) {
      if (e instanceof MorphError && list.length > 1) {
        throw new MorphError(e.code, `command ${i + 1} of ${list.length}, ${e.message}`, e.nodeId);
      }
      throw e;
    }
    const after = countParams(plan.graph);
    const step: MorphStep = {
      command: formatCommand(c),
      preserving: plan.preserving,
      description: plan.description,
      added: plan.added,
      changed: plan.changed,
      linearLayer: plan.linearLayer ?? false,
      paramsBefore: params,
      paramsAfter: after,
    };
    each(plan, step, i);
    g = plan.graph;
    params = after;
    steps.push(step);
  });
  return { graph: g, steps };
}
