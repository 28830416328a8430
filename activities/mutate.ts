/**
 * mutate: parent checkpoint (or the start architecture) + commands → the child's untrained
 * checkpoint under `candidates/<childId>/`. Idempotent: a retry after a crash finds the
 * checkpoint it wrote and returns the same answer, so a child is never grown twice.
 */
import type { MutateInput, MutateOutput } from '../src/contracts/activities';
import { Context } from '@temporalio/activity';
import { datasetEntry } from '../src/data/registry';
import { countFlops, countParams, Graph, Rng, Weights } from '../src/graph';
import { applyCommands, formatCommand, randomPlan, SlotSet } from '../src/morph';
import { Carried, putContinuation, readContinuation } from '../src/train/continuation';
import {
  OptimizerState,
  OptimizerStateMeta,
  SLOT_MOMENTS,
  slotMaps,
  stateOfSlots,
} from '../src/train/optimizer';
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
      ...(input.weights ? { weights: input.weights } : {}),
      ...(input.convRatio ? { convRatio: input.convRatio } : {}),
    }).map((c) => formatCommand(c));
  // A refused command throws MorphError/CommandError: non-retryable (failures.ts).
  const slots = parent.carried?.optimizer ? slotSets(parent.carried.optimizer, parent.graph) : undefined;
  const applied = applyCommands(parent.graph, parent.weights, ops, rng.fork('apply'), {
    slots,
    ...(input.init ? { init: input.init } : {}),
  });
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
  // The parent's place on the lineage schedule and its optimizer state, through the same commands.
  const carried = parent.carried;
  const continuation = carried
    ? await putContinuation(
        exp,
        prefix,
        {
          epochs: carried.continuation.epochs,
          steps: carried.continuation.steps,
          baseLr: carried.continuation.baseLr,
          schedule: carried.continuation.schedule,
        },
        carried.optimizer && stateOf(carried.optimizer.meta, applied.slots),
      )
    : null;
  if (continuation) {
    output.carried = {
      epochs: continuation.epochs,
      steps: continuation.steps,
      optimizer: continuation.optimizer?.meta.kind ?? null,
      iterations: continuation.optimizer?.meta.iterations ?? 0,
    };
  }
  await writeCheckpoint(exp, prefix, applied.graph, applied.weights, {
    parent: parent.id,
    operation: applied.steps.map((s) => s.command).join('; ') || 'init',
    lineage: parent.lineage,
    extra: { mutate: output, ...(continuation ? { continuation } : {}) },
  });
  return output;
}

/** A saved optimizer state as the slot sets the morphisms carry (src/morph/slots.ts). */
function slotSets(state: OptimizerState, graph: Graph): Map<string, SlotSet> {
  return new Map(
    [...slotMaps(state, graph)].map(([name, values]) => [
      name,
      { moment: SLOT_MOMENTS[name] ?? 'first', values },
    ]),
  );
}

function stateOf(meta: OptimizerStateMeta, slots: ReadonlyMap<string, SlotSet>): OptimizerState {
  return stateOfSlots(meta.kind, meta.iterations, new Map([...slots].map(([k, s]) => [k, s.values])));
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
  /** What a trained parent carries to lineage-continuous children; null for the start architecture. */
  carried: Carried | null;
}

async function loadParent(
  deps: ActivityDeps,
  input: MutateInput,
  data: { inputShape: readonly number[]; numClasses: number },
): Promise<Parent> {
  const p = input.parent;
  if (p.kind === 'candidate') {
    const store = deps.openStore(p.checkpoint);
    const ck = await readCheckpoint(store, '');
    return {
      id: p.candidateId,
      lineage: [...ck.meta.lineage, p.candidateId],
      graph: ck.graph,
      weights: ck.weights,
      carried: await readContinuation(store, '', ck.meta),
    };
  }
  // A builtin, or a graph.json / checkpoint URI in storage (the launch copied a local
  // graph.json into the experiment, so every worker reads the same file).
  const net = await resolveNetwork(p.arch, { open: deps.openStore, seed: input.seed, data, fit: true });
  return { id: null, lineage: [], graph: net.graph, weights: net.weights, carried: null };
}
