/**
 * One command on one network: `planMorph` decides (architecture only, refusals thrown as
 * MorphError), `morph` also derives the child's weights. Both leave their inputs untouched.
 */
import { assertNever, Graph, paramEntries, Rng, size, Weights } from '../graph';
import { planBranch } from './branch';
import { Command, formatCommand, toCommand } from './command';
import { planDeeper } from './deeper';
import { MorphError } from './errors';
import { planGroup } from './group';
import { planInsert } from './insert';
import { planKernel } from './kernel';
import { planSkip } from './skip';
import { MAX_TENSOR_ELEMENTS, MorphPlan, MorphResult } from './types';
import { planWider } from './wider';

export function planMorph(g: Graph, command: Command | string, rng: Rng): MorphPlan {
  const c = typeof command === 'string' ? toCommand(command) : command;
  try {
    return checkSize(dispatch(g, c, rng));
  } catch (e) {
    if (e instanceof MorphError) throw e.inCommand(formatCommand(c));
    throw e;
  }
}

export { MAX_TENSOR_ELEMENTS } from './types';

function checkSize(plan: MorphPlan): MorphPlan {
  for (const p of paramEntries(plan.graph)) {
    const n = size(p.shape);
    if (n > MAX_TENSOR_ELEMENTS) {
      throw new MorphError(
        'too_large',
        `'${p.key}' would hold ${n.toLocaleString('en-US')} weights [${p.shape.join(', ')}], over the limit of ${MAX_TENSOR_ELEMENTS.toLocaleString('en-US')} (1 GiB); use a smaller width`,
        p.nodeId,
      );
    }
  }
  return plan;
}

function dispatch(g: Graph, c: Command, rng: Rng): MorphPlan {
  switch (c.op) {
    case 'wider':
      return planWider(g, c, rng);
    case 'deeper':
      return planDeeper(g, c, rng);
    case 'kernel':
      return planKernel(g, c, rng);
    case 'skip':
      return planSkip(g, c, rng);
    case 'group':
      return planGroup(g, c, rng);
    case 'branch':
      return planBranch(g, c, rng);
    case 'insert':
      return planInsert(g, c, rng);
    default:
      return assertNever(c, 'command');
  }
}

export function morph(g: Graph, w: Weights, command: Command | string, rng: Rng): MorphResult {
  const { weights, slots: _, ...plan } = planMorph(g, command, rng);
  return { ...plan, weights: weights(w) };
}
