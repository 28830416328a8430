/**
 * Chooses the tfjs backend: `tensorflow` (tfjs-node-gpu / tfjs-node, built against PyPI
 * TensorFlow by scripts/build-native.sh; see native.ts) when it loads, else `wasm` (ships its
 * binaries in the npm package), else `cpu` (pure JS, a fallback only). Override with `prefer` or
 * NETGROW_BACKEND. The choice is always logged: a run that silently fell back to `cpu` would
 * be a week-long surprise.
 */
import { UsageError } from '../contracts/errors';
import { tf } from './tf';
import { KernelMode, registerNetgrowKernels } from './kernels';
import { describeTensorFlow, formatDevice, loadNative, TensorFlowInfo } from './native';
import { registerTensorFlowKernels } from './tensorflow-kernels';
import { guardWasmHeap } from './out-of-memory';
import {
  MAX_WASM_THREADS,
  registerThreadedWasm,
  restoreStockWasm,
  threadedWasmFailure,
} from './wasm-threads';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * What a training run can be asked to train on: a tfjs backend, or `graph`, the graph engine
 * (src/engine) — its steps as TensorFlow session runs, everything else (teacher logits,
 * checks, export) on the `tensorflow` backend, which loads the same TensorFlow libraries.
 */
export type TrainBackendName = BackendName | 'graph';
export const TRAIN_BACKEND_NAMES: readonly TrainBackendName[] = [...BACKEND_NAMES, 'graph'];

/** The tfjs backend behind a training backend: `graph` runs tfjs on `tensorflow`. */
export const tfjsBackendOf = (name: TrainBackendName): BackendName =>
  name === 'graph' ? 'tensorflow' : name;

export interface BackendInfo {
  name: BackendName;
  /** wasm: which gradient kernels netgrow registered; other backends run their own (`native`). */
  kernels: 'fast' | 'shim' | 'native';
  /** Compute threads: XNNPACK's pool on wasm, 1 on cpu, TensorFlow's intra-op pool on tensorflow. */
  threads: number;
  /** wasm: whether the SIMD build runs. */
  simd: boolean;
  /** tensorflow: the library's version, oneDNN, threads and devices, as TensorFlow reports them. */
  tensorflow?: TensorFlowInfo;
}

export interface InitBackendOptions {
  /** Default NETGROW_BACKEND, else the first of tensorflow, wasm, cpu that starts (`graph`: tensorflow). */
  prefer?: TrainBackendName;
  /** wasm gradient kernels; default NETGROW_WASM_KERNELS, else `fast`. */
  kernels?: KernelMode;
  /**
   * wasm threads; default NETGROW_WASM_THREADS, else 1. More than one starts the threaded SIMD
   * build (see wasm-threads.ts); it only pays on cores nobody else is using.
   */
  threads?: number;
  /** Where the one line naming the backend goes (default stderr). */
  log?: (line: string) => void;
}

let chosen: Promise<BackendInfo> | null = null;
let loadedNative: string | null = null;
let current: BackendInfo | null = null;

/** Starts the backend once per process; later calls return the first call's answer. */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const settings = readSettings(opts);
  chosen ??= start(settings, opts.log ?? ((line) => console.error(line))).then(
    (info) => (current = info),
    (e: unknown) => {
      chosen = null; // a failed start (say, prefer tensorflow) must not poison later calls
      throw e;
    },
  );
  return chosen;
}

/**
 * The backend a caller asked for (the `prefer` option, else NETGROW_BACKEND), or undefined when
 * the choice is netgrow's. Throws the same one-line errors as initBackend for a bad name.
 */
export function askedBackend(prefer?: TrainBackendName): BackendName | undefined {
  return readSettings({ prefer }).wanted;
}

/** As askedBackend, with `graph` kept as asked (a trainer tells the engine from the tfjs backend). */
export function askedTrainBackend(prefer?: TrainBackendName): TrainBackendName | undefined {
  const wanted = readSettings({ prefer }).wanted;
  return wanted && (prefer ?? process.env.NETGROW_BACKEND) === 'graph' ? 'graph' : wanted;
}

/** Whether initBackend (or settleBackend) has already fixed this process's backend. */
export function backendSettled(): boolean {
  return chosen !== null;
}

/**
 * Starts every backend of `names` that starts here, in order, for a caller that compares them
 * (src/train/backend-choice.ts times a few training steps on each). The last one started is
 * left active; nothing is logged. Each start costs its loading time once per process.
 */
export async function startBackends(
  names: readonly BackendName[],
  opts: Omit<InitBackendOptions, 'prefer' | 'log'> = {},
): Promise<{ started: BackendInfo[]; skipped: string[] }> {
  const s = readSettings(opts);
  const started: BackendInfo[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const why = await activate(name, s, () => undefined);
    if (why) skipped.push(`${name}: ${why}`);
    else started.push(await describe(name, s));
  }
  return { started, skipped };
}

/** Makes a backend that startBackends started the active one (a probe switches between them). */
export async function switchBackend(name: BackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} was not started`);
}

/**
 * Fixes the process's backend to `info` (started by startBackends) and logs its one line with
 * `why`; later initBackend calls return it. Tensors live on the backend that made them, so this
 * comes before the run builds its model.
 */
export async function settleBackend(
  info: BackendInfo,
  why: string,
  log: (line: string) => void = (line) => console.error(line),
): Promise<BackendInfo> {
  await switchBackend(info.name);
  current = info;
  chosen = Promise.resolve(info);
  log(`backend: ${info.name} (${details(info)}); ${why}`);
  return info;
}

/** Switches the wasm gradient kernels (benchmarks compare them in one process). */
export function useKernels(mode: KernelMode): void {
  registerNetgrowKernels(mode);
  if (current?.name === 'wasm') current.kernels = mode;
}

interface Settings {
  wanted?: BackendName;
  kernels: KernelMode;
  threads: number;
}

function readSettings(opts: Omit<InitBackendOptions, 'log'>): Settings {
  const env = process.env;
  const wanted = opts.prefer ?? (env.NETGROW_BACKEND || undefined);
  if (wanted !== undefined && !TRAIN_BACKEND_NAMES.includes(wanted as TrainBackendName)) {
    const from = opts.prefer !== undefined ? 'backend' : 'NETGROW_BACKEND';
    throw new UsageError(`${from} '${wanted}' is not a backend: use tensorflow, wasm, cpu or graph`);
  }
  const kernels = opts.kernels ?? (env.NETGROW_WASM_KERNELS || 'fast');
  if (kernels !== 'fast' && kernels !== 'shim') {
    const from = opts.kernels !== undefined ? 'kernels' : 'NETGROW_WASM_KERNELS';
    throw new UsageError(`${from} '${kernels}' is not a kernel set: use fast or shim`);
  }
  const threads = opts.threads ?? Number(env.NETGROW_WASM_THREADS || 1);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    const from = opts.threads !== undefined ? 'threads' : 'NETGROW_WASM_THREADS';
    throw new UsageError(
      `${from} must be an integer from 1 to ${MAX_WASM_THREADS}, received '${opts.threads ?? env.NETGROW_WASM_THREADS}'`,
    );
  }
  return {
    wanted: wanted === undefined ? undefined : tfjsBackendOf(wanted as TrainBackendName),
    kernels,
    threads,
  };
}

async function start(s: Settings, log: (line: string) => void): Promise<BackendInfo> {
  const order = s.wanted ? [s.wanted] : BACKEND_NAMES;
  const skipped: string[] = [];
  let why: string | null = null;
  for (const name of order) {
    why = await activate(name, s, log);
    if (why) {
      skipped.push(`${name}: ${why}`);
      continue;
    }
    const info = await describe(name, s);
    log(`backend: ${name} (${details(info)})${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`);
    return info;
  }
  // Only a named backend can fail here: cpu, last in the default order, always starts.
  throw new Error(`backend ${s.wanted} could not start: ${why}`);
}

/** Makes `name` the active backend; returns why it could not, or null. */
async function activate(name: BackendName, s: Settings, log: (line: string) => void): Promise<string | null> {
  if (name === 'tensorflow') {
    const native = loadNative();
    if ('why' in native) return native.why;
    loadedNative = native.pkg;
  }
  if (name === 'wasm') {
    if (!loads('@tensorflow/tfjs-backend-wasm')) return '@tensorflow/tfjs-backend-wasm is not installed';
    if (s.threads > 1) {
      registerThreadedWasm(s.threads);
      const threaded = await quietly(() => tf.setBackend('wasm'));
      if (threaded === null) return null;
      const why = threadedWasmFailure() ?? threaded;
      log(`backend: the threaded wasm build did not start (${why}); running wasm on 1 thread`);
      restoreStockWasm();
      s.threads = 1;
    }
  }
  return quietly(() => tf.setBackend(name));
}

async function describe(name: BackendName, s: Settings): Promise<BackendInfo> {
  await tf.ready();
  if (name === 'tensorflow') {
    const onGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
    const t = describeTensorFlow(loadedNative!, onGpu);
    registerTensorFlowKernels();
    return { name, kernels: 'native', threads: t.intraOpThreads, simd: false, tensorflow: t };
  }
  if (name === 'cpu') return { name, kernels: 'native', threads: 1, simd: false };
  registerNetgrowKernels(s.kernels);
  guardWasmHeap(tf.backend());
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- already loaded by activate()
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  return { name, kernels: s.kernels, threads: wasm.getThreadsCount(), simd };
}

/** The parenthesis of a backend line: versions, threads, devices. */
export function details(i: BackendInfo): string {
  if (i.name === 'wasm') {
    const threads = `${i.threads} thread${i.threads === 1 ? '' : 's'}`;
    return `${i.simd ? 'SIMD' : 'no SIMD'}, ${threads}, netgrow ${i.kernels} gradient kernels`;
  }
  if (i.name === 'cpu') return 'pure JS: far too slow to train convnets';
  const t = i.tensorflow!;
  const device = t.devices.find((d) => d.name === t.placedOn);
  const placed = device ? formatDevice(device) : t.placedOn;
  return (
    `TensorFlow ${t.version} via ${t.package}, oneDNN ${t.onednn ? 'on' : 'off'}, ` +
    `${t.intraOpThreads} intra-op thread${t.intraOpThreads === 1 ? '' : 's'}, ops on ${placed}; ` +
    `devices ${t.devices.map(formatDevice).join(', ')}`
  );
}

function loads(pkg: string): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional dependency, probed at run time
    require(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs tf.setBackend, turning tfjs's console warnings on failure (a stack trace) into the
 * reason it returns; null when the backend started.
 */
async function quietly(f: () => Promise<boolean>): Promise<string | null> {
  const warn = console.warn;
  const said: string[] = [];
  console.warn = (...args: unknown[]) => said.push(args.map(String).join(' '));
  try {
    if (await f()) return null;
  } catch (e) {
    said.push(e instanceof Error ? e.message : String(e));
  } finally {
    console.warn = warn;
  }
  const reason = said.map((l) => l.split('\n')[0]).find((l) => !l.startsWith('Initialization of backend'));
  return reason ?? 'it failed to initialise';
}
