/**
 * The backend a training run trains on, chosen for the network it trains. Neither tfjs backend
 * wins everywhere: tensorflow is 1.6–4x faster than wasm on vgg8, resnet-s and seed-ga, and wasm
 * is 18–33% faster on LeNet (docs/PERFORMANCE.md), so a fixed default would break "never slower
 * than the other backend by more than 10%" on one of them. Where its addon is built, the graph
 * engine (`graph`: each step one TensorFlow session run) is a third candidate.
 *
 * With no backend asked for, both tfjs backends are started in this process (tfjs keeps each
 * one's tensors apart), a copy of the run's network trains a few steps of one synthetic batch
 * on each and on the graph engine, interleaved, and the one with the fastest step wins. The
 * answer is cached on disk per (network structure, batch, input, optimizer, each backend's
 * threads and version, the engine, CPU), so a resumed or repeated run does not probe again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { Graph, Rng, Shape, Weights } from '../graph';
import {
  askedTrainBackend,
  BackendInfo,
  BackendName,
  backendSettled,
  initBackend,
  settleBackend,
  startBackends,
  switchBackend,
  TrainBackendName,
  details,
} from '../backend/select';
import { graphAddon, graphTrainer } from './graph-trainer';
import { loadGraphAddon } from '../engine/native';
import { eagerTrainer, Trainer } from './trainer';
import { BackendChoice, OptimizerSpec } from '../contracts/train';
import { packageRoot } from '../contracts/package-root';
import { UsageError } from '../contracts/errors';

/** What the probe trains: the run's own network, batch size, input and optimizer. */
export interface ProbeTarget {
  graph: Graph;
  weights: Weights;
  batch: number;
  inputShape: Shape;
  classes: number;
  optimizer: OptimizerSpec;
}

export interface ChooseBackendOptions {
  /** An explicit backend (a flag, a spec's); NETGROW_BACKEND is read when this is absent. */
  prefer?: TrainBackendName;
  /** Who asked for `prefer`, for the backend line (default `--backend`). */
  preferFrom?: string;
  /** Where the backend line goes (default stderr). */
  log?: (line: string) => void;
  /** Default NETGROW_CACHE_DIR, else $XDG_CACHE_HOME/netgrow, else ~/.cache/netgrow. */
  cacheDir?: string;
  /** Wall seconds after which the probe stops adding rounds (default 10). */
  budgetSeconds?: number;
}

/** The candidates, in the order of the static default (when only one starts, it is used). */
const PROBED: readonly BackendName[] = ['tensorflow', 'wasm'];
/** Rounds of one timed step per backend: MIN_ROUNDS (more for cheap steps) unless one is CLEAR-ly faster. */
const MIN_ROUNDS = 3;
const MAX_ROUNDS = 7;
/** A ratio this large on steps of a second cannot flip: stop there (vgg8: 1.4 s on wasm). */
const CLEAR = 2;
/** First steps of seconds this far apart decide without timed rounds. */
const DECIDED = 3;
/** Below this ratio the two are close: use every round the budget allows. */
const CLOSE = 1.25;

/**
 * Starts the backend this run trains on and says why; logs the one backend line. Call before
 * the run creates any tensor.
 */
export async function chooseRunBackend(t: ProbeTarget, o: ChooseBackendOptions = {}): Promise<BackendChoice> {
  const log = o.log ?? ((line: string) => console.error(line));
  const asked = askedTrainBackend(o.prefer);
  if (asked) {
    const from = o.prefer ? (o.preferFrom ?? '--backend') : 'NETGROW_BACKEND';
    if (asked === 'graph') return startGraph(`asked for by ${from}`, log);
    const info = await initBackend({ prefer: asked, log });
    return { name: info.name, how: 'asked', why: `asked for by ${from}` };
  }
  if (backendSettled()) {
    const info = await initBackend({ log: () => undefined });
    return { name: info.name, how: 'process', why: 'this process had already started its backend' };
  }
  const { started, skipped } = await startBackends(PROBED);
  const notes = skipped.length ? `; skipped ${skipped.join('; ')}` : '';
  const candidates: Candidate[] = started.map((info) => ({ name: info.name, info }));
  const onTensorflow = started.find((b) => b.name === 'tensorflow');
  const { addon } = loadGraphAddon();
  if (onTensorflow && addon) candidates.push({ name: 'graph', info: onTensorflow });
  if (candidates.length < 2) {
    if (candidates.length === 0) {
      const info = await initBackend({ log }); // cpu, with its own line naming what was skipped
      return { name: info.name, how: 'only', why: `neither tensorflow nor wasm starts here${notes}` };
    }
    const why = `the only backend of tensorflow and wasm that starts here${notes}`;
    await settleBackend(started[0], why, log);
    return { name: started[0].name, how: 'only', why };
  }
  const dir = o.cacheDir ?? defaultCacheDir();
  const file = join(dir, 'backend-probe', `${probeKey(t, started, addon?.version() ?? null)}.json`);
  const cached = readCache(file, candidates);
  if (cached) {
    const why = `${describeTimes(cached, t)} (an earlier probe, cached in ${file})`;
    await settle(candidates, cached.name, why, log);
    return { name: cached.name, how: 'cached', msPerStep: cached.msPerStep, why };
  }
  const ms = await probe(t, candidates, o.budgetSeconds ?? 10);
  const name = fastest(ms);
  const saved = writeCache(file, { name, msPerStep: ms, at: new Date().toISOString() });
  const why = `${describeTimes({ name, msPerStep: ms }, t)} (probed now; ${saved})`;
  await settle(candidates, name, why, log);
  return { name, how: 'probe', msPerStep: ms, why };
}

/** A probe's candidate: a tfjs backend, or the graph engine beside tfjs on `tensorflow`. */
interface Candidate {
  name: TrainBackendName;
  info: BackendInfo;
}

async function settle(
  candidates: Candidate[],
  name: TrainBackendName,
  why: string,
  log: (line: string) => void,
): Promise<void> {
  const c = candidates.find((k) => k.name === name)!;
  if (name !== 'graph') {
    await settleBackend(c.info, why, log);
    return;
  }
  await settleBackend(c.info, why, () => undefined);
  log(graphLine(c.info, why));
}

const graphLine = (info: BackendInfo, why: string): string =>
  `backend: graph (the graph engine: one TensorFlow session run per step; tfjs: ${details(info)}); ${why}`;

/**
 * The graph engine for the steps, tfjs on `tensorflow` for the rest; refuses with one line
 * where the engine's addon or the tensorflow backend cannot start.
 */
async function startGraph(why: string, log: (line: string) => void): Promise<BackendChoice> {
  graphAddon();
  const info = await initBackend({ prefer: 'tensorflow', log: () => undefined });
  if (info.name !== 'tensorflow') {
    throw new UsageError(`backend graph needs tfjs on tensorflow; this process runs ${info.name}`);
  }
  log(
    `backend: graph (the graph engine: one TensorFlow session run per step; tfjs: ${details(info)}); ${why}`,
  );
  return { name: 'graph', how: 'asked', why };
}

/** The fastest wall ms of a training step of each candidate, interleaved round by round. */
async function probe(t: ProbeTarget, candidates: Candidate[], budgetSeconds: number) {
  const rng = new Rng(0);
  const per = t.inputShape.reduce((a, b) => a * b, 1);
  const batch = {
    x: Float32Array.from({ length: t.batch * per }, () => rng.normal()),
    y: Int32Array.from({ length: t.batch }, () => rng.int(t.classes)),
    rows: t.batch,
    labelled: t.batch,
  };
  const options = { optimizer: t.optimizer, inputShape: t.inputShape, classes: t.classes, l2: 0 };
  const runners: { name: TrainBackendName; tfjs: BackendName; trainer: Trainer }[] = [];
  try {
    for (const c of candidates) {
      await switchBackend(c.info.name); // the copy's variables live on this backend only
      const trainer =
        c.name === 'graph'
          ? await graphTrainer(t.graph, t.weights, options)
          : eagerTrainer(t.graph, t.weights, options);
      runners.push({ name: c.name, tfjs: c.info.name, trainer });
    }
    const times = new Map<TrainBackendName, number[]>(runners.map((r) => [r.name, []]));
    const started = performance.now();
    const timed = async (r: (typeof runners)[number]): Promise<number> => {
      await switchBackend(r.tfjs);
      const t0 = performance.now();
      await r.trainer.step(batch, t.optimizer.lr);
      return performance.now() - t0;
    };
    // Warm-up: the first step builds kernels, the oneDNN primitives and V8's wasm tiers; short
    // steps get two more (V8 is still tiering up the wasm code after one).
    let roundMs = 0;
    for (let i = 0; i < 3; i++) {
      roundMs = 0;
      for (const r of runners) {
        const ms = await timed(r);
        roundMs += ms;
        if (i === 0) times.get(r.name)!.push(ms);
      }
      // Steps of seconds already 3x apart on their first try (vgg8: wasm 4–5x slower) are
      // decided: a timed round would add the slow side's seconds again for nothing.
      if (i === 0 && roundMs > 2000 && ratioOf(times) >= DECIDED) return fastestOf(times);
      if (i === 0) for (const r of runners) times.set(r.name, []);
      if (roundMs > (i === 0 ? 400 : 100)) break;
    }
    const minRounds = roundMs < 200 ? MIN_ROUNDS + 2 : roundMs < 1000 ? MIN_ROUNDS : 1;
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      // Alternate the order so neither side always runs right after a switch.
      const order = round % 2 ? runners : [...runners].reverse();
      for (const r of order) times.get(r.name)!.push(await timed(r));
      const ratio = ratioOf(times);
      if ((performance.now() - started) / 1000 >= budgetSeconds) break;
      if (round >= minRounds && (ratio >= CLEAR || (round >= MIN_ROUNDS && ratio >= CLOSE))) break;
    }
    return fastestOf(times);
  } finally {
    for (const r of runners) {
      await switchBackend(r.tfjs);
      r.trainer.dispose();
    }
  }
}

/**
 * Each backend's fastest step: on a machine others share, a step only ever gets slower than its
 * own cost (a descheduled thread, a cache flushed), so the minimum is the steadiest estimate.
 */
function fastestOf(times: Map<TrainBackendName, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, xs] of times) out[name] = Math.round(Math.min(...xs) * 100) / 100;
  return out;
}

/** How far the runner-up is behind the fastest: the decision is between those two. */
function ratioOf(times: Map<TrainBackendName, number[]>): number {
  const ms = Object.values(fastestOf(times)).sort((a, b) => a - b);
  return ms[1] / ms[0];
}

function fastest(ms: Record<string, number>): TrainBackendName {
  return Object.entries(ms).sort((a, b) => a[1] - b[1])[0][0] as TrainBackendName;
}

function describeTimes(
  c: { name: TrainBackendName; msPerStep: Record<string, number> },
  t: ProbeTarget,
): string {
  const times = Object.entries(c.msPerStep)
    .sort((a, b) => a[1] - b[1])
    .map(([n, ms]) => `${n} ${ms} ms/step`)
    .join(', ');
  return `the faster for ${t.graph.name} at batch ${t.batch}: ${times}`;
}

/**
 * Everything that changes which backend is faster: the network's structure (not its name or
 * weights), the batch, input and classes, the optimizer kind, each backend's version, threads
 * and kernels, the graph engine's addon, this CPU, and netgrow's version (its kernels change
 * between releases).
 */
function probeKey(t: ProbeTarget, started: BackendInfo[], graphEngine: string | null): string {
  const backends = started.map((b) => ({
    name: b.name,
    threads: b.threads,
    kernels: b.kernels,
    simd: b.simd,
    tf: b.tensorflow && {
      version: b.tensorflow.version,
      onednn: b.tensorflow.onednn,
      placedOn: b.tensorflow.placedOn,
      devices: b.tensorflow.devices.map((d) => d.name),
    },
  }));
  const key = {
    nodes: t.graph.nodes,
    output: t.graph.output,
    batch: t.batch,
    inputShape: t.inputShape,
    classes: t.classes,
    optimizer: t.optimizer.kind,
    backends,
    // Only where the engine is a candidate: other machines keep their cached answers.
    ...(graphEngine !== null ? { graphEngine } : {}),
    cpu: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
    netgrow: netgrowVersion(),
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32);
}

interface CacheEntry {
  name: TrainBackendName;
  msPerStep: Record<string, number>;
  at: string;
}

/** An earlier answer, when it names a backend that started here; anything unreadable is a miss. */
function readCache(file: string, candidates: Candidate[]): CacheEntry | null {
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheEntry>;
    const ok =
      candidates.some((c) => c.name === e.name) &&
      typeof e.msPerStep === 'object' &&
      e.msPerStep !== null &&
      Object.values(e.msPerStep).every((v) => typeof v === 'number');
    return ok ? (e as CacheEntry) : null;
  } catch {
    return null;
  }
}

/** Writes atomically (two trainers may probe the same network at once); says where, or why not. */
function writeCache(file: string, e: CacheEntry): string {
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(e) + '\n');
    renameSync(tmp, file);
    return `cached in ${file}`;
  } catch (err) {
    return `not cached: ${(err as Error).message.split('\n')[0]}`;
  }
}

function defaultCacheDir(): string {
  const env = process.env;
  if (env.NETGROW_CACHE_DIR) return env.NETGROW_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'netgrow');
}

let version: string | null = null;
function netgrowVersion(): string {
  try {
    version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    version = '?';
  }
  return version;
}
