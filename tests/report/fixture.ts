/**
 * A small but real experiment folder, written with the real writers (checkpoints, train.csv,
 * lineage.jsonl): a seed-teacher grown by deeper / wider / skip, one run that diverged and was
 * retried, a candidate with no runs, one that exists only in the lineage (still being made), a
 * torn lineage line, and untrusted text (a candidate id and a command with HTML in them).
 * `extraGenerations` adds GA-like generations for a fuller picture (screenshots).
 */
import { builtin, countParams, Graph, GraphNodeInput, initWeights, parseGraph, Rng } from '../../src/graph';
import { appendLineage, LineageEventInput, openTrainCsv, TrainRow } from '../../src/log';
import { writeCheckpoint } from '../../src/model/checkpoint';
import { ArtifactStore } from '../../src/storage';
import { TrainResult } from '../../src/contracts/train';

/** One train.csv row as the reader gives it: an epoch's (or a step's) figures. */
export const trainRow = (
  epoch: number,
  valAcc: number | null,
  kind: 'epoch' | 'step' = 'epoch',
): TrainRow => ({
  kind,
  epoch,
  step: epoch * 10,
  loss: 1 / epoch,
  acc: 0.5,
  valLoss: null,
  valAcc,
  lr: 0.1,
  seconds: 1,
  samplesPerSec: 10,
});

export const HOSTILE_ID = '<img src=x onerror=alert(1)>';
export const HOSTILE_OP = 'wider fc1 x2 </script><script>alert("op")</script>';

type Node = Graph['nodes'][number];

/** Inserts `node` after `after`, moving `after`'s readers onto it (what `deeper`/`insert` do). */
export function insertAfter(g: Graph, after: string, node: GraphNodeInput): Graph {
  const nodes = g.nodes.map(
    (n) => ({ ...n, inputs: n.inputs.map((p) => (p === after ? node.id : p)) }) as Node,
  );
  return parseGraph({
    ...g,
    nodes: [...nodes, { ...node, inputs: [after] }],
    output: g.output === after ? node.id : g.output,
  });
}

/** A residual add of `from` into the output of `into`. */
export function addSkip(g: Graph, from: string, into: string, id: string): Graph {
  const nodes = g.nodes.map((n) => ({ ...n, inputs: n.inputs.map((p) => (p === into ? id : p)) }) as Node);
  return parseGraph({ ...g, nodes: [...nodes, { id, kind: 'add', inputs: [into, from] }] });
}

/** Sets a conv's filters or a dense layer's units. */
export function widen(g: Graph, id: string, width: number): Graph {
  return parseGraph({
    ...g,
    nodes: g.nodes.map((n) =>
      n.id !== id
        ? n
        : n.kind === 'conv2d'
          ? { ...n, filters: width }
          : n.kind === 'dense'
            ? { ...n, units: width }
            : n,
    ),
  });
}

export function deeper(g: Graph, after: string, id: string, kind: 'conv2d' | 'dense', width: number): Graph {
  const layer: GraphNodeInput =
    kind === 'conv2d'
      ? { id, kind, inputs: [], filters: width, kernel: 3 }
      : { id, kind, inputs: [], units: width };
  return insertAfter(insertAfter(g, after, layer), id, {
    id: `${id}.act`,
    kind: 'activation',
    inputs: [],
    fn: 'relu',
  });
}

// A search that started a day ago, so that "wall time so far" reads like a real one.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 24 * 3600_000;
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

interface CurveShape {
  epochs: number;
  from: number;
  to: number;
  /** Epoch at which the loss becomes NaN (a diverged run). */
  divergeAt?: number;
}

async function writeRun(
  store: ArtifactStore,
  folder: string,
  runId: string,
  shape: CurveShape,
  rng: Rng,
  test: number | null,
): Promise<TrainResult> {
  const csv = await openTrainCsv(store, `${folder}/runs/${runId}/train.csv`);
  let best: TrainResult['best'] = null;
  let step = 0;
  for (let e = 1; e <= shape.epochs; e++) {
    const t = 1 - Math.exp((-3 * e) / shape.epochs);
    const valAcc = shape.from + (shape.to - shape.from) * t + rng.uniform(-0.006, 0.006);
    const acc = Math.min(0.999, valAcc + 0.01 + 0.03 * t);
    const bad = shape.divergeAt !== undefined && e >= shape.divergeAt;
    const row = {
      epoch: e,
      step: (step += 94),
      loss: bad ? NaN : -Math.log(acc) * 1.4,
      acc: bad ? NaN : acc,
      valLoss: bad ? NaN : -Math.log(valAcc) * 1.5,
      valAcc: bad ? NaN : valAcc,
      lr: 0.05,
      seconds: 41 + rng.uniform(0, 4),
      samplesPerSec: 146,
    };
    csv.add(row);
    if (!bad && (best === null || valAcc > best.valAcc!)) {
      best = { loss: row.loss, acc: row.acc, valLoss: row.valLoss, valAcc, epoch: e };
    }
    if (bad) break;
  }
  await csv.flush();
  const rows = csv.rows;
  const last = rows[rows.length - 1];
  const diverged = shape.divergeAt !== undefined;
  const result: TrainResult = {
    format: 'netgrow.trainresult/v1',
    runId,
    status: diverged ? 'diverged' : 'completed',
    epochsRun: rows.length,
    steps: last.step,
    final: diverged ? null : { loss: last.loss, acc: last.acc!, valLoss: last.valLoss, valAcc: last.valAcc },
    best,
    test: test === null ? null : { loss: -Math.log(test), acc: test },
    wallSeconds: rows.reduce((a, r) => a + r.seconds, 0),
    checkpoint: null,
    resumedFromEpoch: null,
    diverged: diverged
      ? {
          epoch: last.epoch,
          step: last.step,
          reason: 'loss is NaN',
          lossTail: [1.9, 7.4, null],
          lastGoodCheckpoint: null,
        }
      : null,
  };
  await store.put(`${folder}/runs/${runId}/result.json`, JSON.stringify(result, null, 2));
  return result;
}

export interface FixtureOptions {
  extraGenerations?: number;
}

export interface Fixture {
  prefix: string;
  candidates: string[];
}

export async function writeFixture(
  store: ArtifactStore,
  prefix: string,
  opts: FixtureOptions = {},
): Promise<Fixture> {
  const rng = new Rng(7);
  const lineageKey = `${prefix}/lineage.jsonl`;
  const log = (e: LineageEventInput) => appendLineage(store, lineageKey, e);
  await store.put(
    `${prefix}/experiment.json`,
    JSON.stringify({
      name: 'fmnist-grow',
      seed: 7,
      dataset: { name: 'fashion-mnist', limit: 0.1, validation: 0.1, augment: false },
      start: { arch: 'seed-teacher' },
      strategy: { kind: 'ga', population: 4, generations: 2 + (opts.extraGenerations ?? 0) },
      train: { epochs: 6, batchSize: 64, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } },
    }),
  );
  const graphs = new Map<string, Graph>();
  let clock = 0;
  const candidate = async (
    id: string,
    g: Graph,
    parent: string | null,
    op: string,
    generation: number,
    runs: Array<CurveShape & { test?: number }>,
  ): Promise<void> => {
    graphs.set(id, g);
    const folder = `${prefix}/candidates/${id}`;
    const meta = await writeCheckpoint(store, folder, g, initWeights(g, rng.fork(id)), {
      parent: parent === null ? null : `${store.uri}/${prefix}/candidates/${parent}`,
      operation: op,
    });
    if (parent !== null) {
      const before = countParams(graphs.get(parent)!);
      await log({
        type: 'mutation',
        at: at(clock),
        generation,
        parent,
        child: id,
        op,
        paramsBefore: before,
        paramsAfter: meta.params,
        preserving: true,
        maxAbsDiff: 3e-7,
        relDiff: 1e-7,
      });
    }
    for (const [i, shape] of runs.entries()) {
      const runId = `r${i + 1}`;
      await log({
        type: 'training',
        at: at(clock),
        generation,
        candidate: id,
        runId,
        status: 'started',
        epochs: 0,
        wallSeconds: 0,
        attempt: i + 1,
      });
      const result = await writeRun(
        store,
        folder,
        runId,
        shape,
        rng.fork(`${id}/${runId}`),
        shape.test ?? null,
      );
      clock += Math.round(result.wallSeconds / 60) + 3;
      await log({
        type: 'training',
        at: at(clock),
        generation,
        candidate: id,
        runId,
        status: result.status === 'diverged' ? 'diverged' : 'completed',
        epochs: result.epochsRun,
        metrics: { val_acc: result.best?.valAcc ?? null },
        wallSeconds: result.wallSeconds,
        attempt: i + 1,
        adjustment: i > 0 ? { lrScale: 0.1 } : undefined,
      });
    }
  };

  const seed = builtin('seed-teacher');
  await log({ type: 'generation', at: at(0), generation: 0, status: 'started' });
  await candidate('c0', seed, null, 'init', 0, [{ epochs: 6, from: 0.72, to: 0.86 }]);
  const c1 = deeper(seed, 'conv2.act', 'conv2_deep1', 'conv2d', 64);
  await candidate('c1', c1, 'c0', 'deeper conv2', 1, [{ epochs: 6, from: 0.85, to: 0.885 }]);
  await candidate('c2', widen(seed, 'conv1', 128), 'c0', 'wider conv1 x2', 1, [
    { epochs: 4, from: 0.84, to: 0.86, divergeAt: 3 },
    { epochs: 6, from: 0.855, to: 0.878 },
  ]);
  const c3 = addSkip(c1, 'pool1', 'conv2_deep1.act', 'skip1');
  await candidate('c3', c3, 'c1', 'skip conv1 conv3', 2, [{ epochs: 6, from: 0.88, to: 0.905, test: 0.898 }]);
  await candidate('c4', deeper(c1, 'fc1.act', 'fc1_deep1', 'dense', 64), 'c1', 'deeper fc1', 2, [
    { epochs: 6, from: 0.87, to: 0.889 },
  ]);
  await log({
    type: 'selection',
    at: at(clock),
    generation: 2,
    from: ['c1', 'c2', 'c3', 'c4'],
    selected: ['c3', 'c4'],
    scores: {},
  });
  // Untrusted text: an id and a command that hold markup.
  await candidate(HOSTILE_ID, widen(c1, 'fc1', 128), 'c1', HOSTILE_OP, 2, []);
  // Still being made: in the lineage, no checkpoint yet, training reported as started.
  await log({
    type: 'mutation',
    at: at(clock),
    generation: 3,
    parent: 'c3',
    child: 'c5',
    op: 'wider conv3 x2',
    paramsBefore: countParams(c3),
    paramsAfter: countParams(c3) + 73_792,
    preserving: true,
  });
  await log({
    type: 'training',
    at: at(clock + 1),
    generation: 3,
    candidate: 'c5',
    runId: 'r1',
    status: 'started',
    epochs: 0,
    wallSeconds: 0,
  });

  let parents = ['c3', 'c4'];
  let next = 6;
  for (let gen = 3; gen < 3 + (opts.extraGenerations ?? 0); gen++) {
    const children: Array<{ id: string; acc: number }> = [];
    for (const [k, p] of [parents[0], parents[0], parents[1], parents[1]].entries()) {
      const id = `c${next++}`;
      const pg = graphs.get(p)!;
      const convs = pg.nodes.filter((n) => n.kind === 'conv2d');
      const lastConv = convs[convs.length - 1];
      const fc1 = pg.nodes.find((n) => n.id === 'fc1');
      const units = fc1?.kind === 'dense' ? fc1.units : 64;
      const [g, op] =
        k % 3 === 0
          ? [widen(pg, 'fc1', units * 2), 'wider fc1 x2']
          : k % 3 === 1
            ? [deeper(pg, 'fc1.act', `fc1_deep${gen}`, 'dense', 64), 'deeper fc1']
            : [
                deeper(
                  pg,
                  `${lastConv.id}.act`,
                  `${lastConv.id}_deep${gen}`,
                  'conv2d',
                  lastConv.kind === 'conv2d' ? lastConv.filters : 64,
                ),
                `deeper conv${convs.length}`,
              ];
      const acc = 0.885 + 0.006 * (gen - 2) + rng.uniform(-0.01, 0.008);
      await candidate(id, g, p, op, gen, [{ epochs: 6, from: acc - 0.02, to: acc, test: acc - 0.006 }]);
      children.push({ id, acc });
    }
    children.sort((a, b) => b.acc - a.acc);
    parents = children.slice(0, 2).map((c) => c.id);
    await log({
      type: 'selection',
      at: at(clock),
      generation: gen,
      from: children.map((c) => c.id),
      selected: parents,
      scores: {},
    });
  }
  // A crash in the middle of an append leaves half a line at the end of the file.
  await store.append(lineageKey, '{"type":"training","at":"2025-03-0');
  return { prefix, candidates: [...graphs.keys(), 'c5'] };
}
