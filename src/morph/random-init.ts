/**
 * `mutation.init: random`: the Net2Net paper's random-pad baseline (Chen et al. 2016, §3) for
 * every command. The child has exactly the architecture of the function-preserving plan; its
 * old units keep the parent's trained values unchanged; every value of a new unit is drawn
 * from its parameter's usual initialiser (`initTensor`, the law of `initWeights`: Glorot-uniform
 * kernels over the child tensor's fans, zero biases, batch norm 1/0/0/1, PReLU 0.25) instead of
 * the identity, zero or copied value that makes the plan preserving. Not preserving.
 *
 * Which values are new is read off the plan itself rather than re-derived per command: its
 * first-moment slot map (slots.ts) carries the old units' values (copied; rows summed by a
 * pool) and gives new units and random-pad copies zero, so an all-ones "slot" set comes out
 * with 0 exactly at the new values. One rule covers all seven commands. `wider` alone changes
 * old values in its preserving form (Net2Wider divides consumer rows among the replicas), so
 * it is planned as its own `init=random-pad`: originals undivided, copies marked new.
 */
import { Graph, initTensor, paramEntries, Rng, WeightTensor, Weights } from '../graph';
import { Command } from './command';
import { planMorph } from './morph';
import { tensorOf } from './tensor';
import { MorphPlan } from './types';

/** How a command initialises the units it adds: function-preserving, or from the initialiser. */
export type UnitInit = 'preserve' | 'random';

/**
 * `command` on `g` with random new units. The architecture and every draw that decides it come
 * from `rng` as in `planMorph`, so the child's graph is the preserving child's; the new values
 * come from a fork taken after planning.
 */
export function planRandomInit(g: Graph, command: Command, rng: Rng): MorphPlan {
  const c: Command = command.op === 'wider' ? { ...command, init: 'random-pad' } : command;
  return withRandomUnits(planMorph(g, c, rng), rng.fork('random-init'));
}

function withRandomUnits(plan: MorphPlan, rng: Rng): MorphPlan {
  const entries = paramEntries(plan.graph);
  // Drawn now, replayed by weights(): the same plan always gives the same weights.
  const state = rng.state();
  return {
    ...plan,
    preserving: false,
    description: `${plan.description}; new units from the initialiser (init=random)`,
    weights: (w) => {
      const draw = Rng.fromState(state);
      const ones: Weights = new Map([...w].map(([k, t]) => [k, tensorOf(t.shape, 1)]));
      const marks = plan.slots(ones, 'first');
      const child = plan.weights(w);
      const out = new Map(child);
      for (const p of entries) {
        const mark = marks.get(p.key);
        // Passed through by reference: a tensor the command did not touch.
        if (mark !== undefined && mark === ones.get(p.key)) continue;
        const fresh = initTensor(p, draw);
        out.set(p.key, mark ? keepMarked(child.get(p.key)!, mark, fresh) : fresh);
      }
      return out;
    },
  };
}

/** The preserving child's values where `mark` is non-zero (old units), `fresh` where it is zero. */
function keepMarked(child: WeightTensor, mark: WeightTensor, fresh: WeightTensor): WeightTensor {
  const data = child.data.slice();
  for (let i = 0; i < data.length; i++) if (mark.data[i] === 0) data[i] = fresh.data[i];
  return { shape: [...child.shape], data };
}
