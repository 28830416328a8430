/**
 * mutate: parent checkpoint (or the start architecture) + commands → the child's untrained
 * checkpoint under `candidates/<childId>/`. Idempotent: a retry after a crash finds the
 * checkpoint it wrote and returns the same answer, so a child is never grown twice.
 */
import type { MutateInput, MutateOutput } from '../src/contracts/activities';
import { Context } from '@temporalio/activity';
import { datasetEntry } from '../src/data/registry';
import { countFlops, countParams, Graph, Rng, Weights } from '../src/graph';
import { applyCommands, formatCommand, randomPlan } from '../src/morph';
import { checkPreservationOffLoop, type TimedPreservationCheck } from '../src/model/verify-off-loop';
import { readCheckpoint, readCheckpointMeta, writeCheckpoint } from '../src/model/checkpoint';
import { resolveNetwork } from '../src/model/resolve';
import { ActivityDeps } from './context';
import { failingClearly } from './failures';

/** Heartbeats while the preservation check runs, so a large check never looks like a lost worker. */
export const MUTATE_HEARTBEAT_MS = 5000;

export function mutateActivity(deps: ActivityDeps) {
  return (input: MutateInput): Promise<MutateOutput> =>
    failingClearly(`mutate ${input.childId}`, () => grow(deps, input));
}

async function grow(deps: ActivityDeps, input: MutateInput): Promise<MutateOutput> {
  const exp = deps.openStore(input.experimentUri);
  const prefix = `candidates/${input.childId}`;
  const checkpoint = `${input.experimentUri.replace(/\/+$/, '')}/${prefix}`;
  if (await exp.exists(`${prefix}/meta.json`)) {
    const meta = await readCheckpointMeta(exp, prefix);
    const done = meta.extra.mutate as MutateOutput | undefined;
    if (done) return done;
  }
  const entry = datasetEntry(input.dataset.name);
  const data = { inputShape: entry.inputShape, numClasses: entry.classNames.length };
  const parent = await loadParent(deps, input, data);
  const rng = new Rng(input.seed);
  const ops =
    input.ops ??
    randomPlan(parent.graph, rng.fork('plan'), input.mutations ?? 1, {
      ...(input.maxFlops !== undefined ? { maxFlops: input.maxFlops } : {}),
    }).map((c) => formatCommand(c));
  // A refused command throws MorphError/CommandError: non-retryable (failures.ts).
  const applied = applyCommands(parent.graph, parent.weights, ops, rng.fork('apply'));
  const checked = deps.checkMutations !== false && applied.preserving && applied.steps.length > 0;
  const timed = checked ? await checkWhileBeating(deps, parent, applied, input.seed) : null;
  const check = timed?.check ?? null;
  const output: MutateOutput = {
    candidateId: input.childId,
    checkpoint,
    ops: applied.steps.map((s, i) => ({
      command: s.command,
      preserving: s.preserving,
      paramsBefore: s.paramsBefore,
      paramsAfter: s.paramsAfter,
      maxAbsDiff: i === applied.steps.length - 1 && check ? check.maxAbsDiff : null,
      ...(s.linearLayer ? { linearLayer: true as const } : {}),
    })),
    preserving: applied.preserving && (check?.preserving ?? true),
    maxAbsDiff: check?.maxAbsDiff ?? null,
    checkSeconds: timed ? Math.round(timed.seconds * 1000) / 1000 : null,
    paramsBefore: countParams(parent.graph),
    paramsAfter: countParams(applied.graph),
    flopsAfter: countFlops(applied.graph).forwardFlops,
  };
  await writeCheckpoint(exp, prefix, applied.graph, applied.weights, {
    parent: parent.id,
    operation: applied.steps.map((s) => s.command).join('; ') || 'init',
    lineage: parent.lineage,
    extra: { mutate: output },
  });
  return output;
}

/**
 * The check runs in a worker thread (its forward passes would block this worker's event loop:
 * heartbeats of running trainings, their timers and exits); the activity heartbeats meanwhile.
 */
async function checkWhileBeating(
  deps: ActivityDeps,
  parent: Parent,
  child: { graph: Graph; weights: Weights },
  seed: number,
): Promise<TimedPreservationCheck> {
  const beat = () => {
    try {
      Context.current().heartbeat();
    } catch {
      // outside an activity (a direct call): nothing to beat to
    }
  };
  const timer = setInterval(beat, deps.mutateHeartbeatMs ?? MUTATE_HEARTBEAT_MS);
  beat();
  try {
    return await checkPreservationOffLoop(parent, child, { seed });
  } finally {
    clearInterval(timer);
  }
}

interface Parent {
  id: string | null;
  lineage: string[];
  graph: Graph;
  weights: Weights;
}

async function loadParent(
  deps: ActivityDeps,
  input: MutateInput,
  data: { inputShape: readonly number[]; numClasses: number },
): Promise<Parent> {
  const p = input.parent;
  if (p.kind === 'candidate') {
    const ck = await readCheckpoint(deps.openStore(p.checkpoint), '');
    return {
      id: p.candidateId,
      lineage: [...ck.meta.lineage, p.candidateId],
      graph: ck.graph,
      weights: ck.weights,
    };
  }
  // A builtin, or a graph.json / checkpoint URI in storage (the launch copied a local
  // graph.json into the experiment, so every worker reads the same file).
  const net = await resolveNetwork(p.arch, { open: deps.openStore, seed: input.seed, data, fit: true });
  return { id: null, lineage: [], graph: net.graph, weights: net.weights };
}
