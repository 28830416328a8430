/**
 * Multithreaded wasm in Node. tfjs-backend-wasm 4.22 ships a threaded SIMD build but never
 * uses it in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag answers false there, tfjs#3830), and
 * its loader hands the pthread script to Emscripten as a Blob URL, which worker_threads cannot
 * open. This registers a `wasm` backend factory that starts the threaded build the way Node can:
 *
 * - the pthread script is run with `eval: true` and without the parent's `execArgv` (a tsx
 *   loader inherited by 8 pool workers costs a second of start-up and buys nothing);
 * - the binary is instantiated here so that `emscripten_num_logical_cores` can be answered:
 *   the C++ side caps the XNNPACK pool at half the logical cores (it assumes hyper-threading),
 *   which on a 2-core machine means one thread whatever `setThreadsCount` says;
 * - the pool's running threads are unref'd, or the process would never exit.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { tf } from './tf';

type EmscriptenModule = {
  cwrap: (name: string, ret: string | null, args: string[]) => unknown;
  PThread: { runningWorkers: Worker[]; unusedWorkers: Worker[] };
  tfjs?: Record<string, unknown>;
};
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;
type Imports = Record<string, Record<string, unknown>>;
type Instantiated = { instance: object; module: object };
// tsconfig has no DOM lib, and @types/node does not declare the WebAssembly global.
declare const WebAssembly: { instantiate(bytes: Uint8Array, imports: Imports): Promise<Instantiated> };

/** Emscripten creates its pool (8 workers) synchronously inside the factory call. */
const POOL_SIZE = 8;

export const MAX_WASM_THREADS = POOL_SIZE;

function wasmOutDir(): string {
  return dirname(
    require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm'),
  );
}

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
let stockFactory: BackendFactory | undefined;
let lastFailure: string | null = null;

/** Why the threaded build last failed to start (tfjs swallows factory errors in production). */
export const threadedWasmFailure = (): string | null => lastFailure;

function registeredFactory(name: string): BackendFactory | undefined {
  const engine = tf.engine() as unknown as { registryFactory: Record<string, { factory: BackendFactory }> };
  return engine.registryFactory[name]?.factory;
}

/**
 * Replaces the `wasm` backend's factory by one that starts the threaded SIMD build with
 * `threads` XNNPACK threads. Call before the backend is first initialised.
 */
export function registerThreadedWasm(threads: number, timeoutMs = 30_000): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when wasm is chosen
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  stockFactory ??= registeredFactory('wasm');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => startThreaded(wasm, threads, timeoutMs), 2);
}

/** Puts the package's own (single-threaded SIMD) factory back after a failed threaded start. */
export function restoreStockWasm(): void {
  if (!stockFactory) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', stockFactory, 2);
}

async function startThreaded(
  wasm: typeof import('@tensorflow/tfjs-backend-wasm'),
  threads: number,
  timeoutMs: number,
): Promise<tf.KernelBackend> {
  const dir = wasmOutDir();
  const script = join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Emscripten's CommonJS factory
  const factory = require(script) as Factory;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the pthread script as a string
  const { wasmWorkerContents } = require(join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The string came out of a template literal, so its "\n" escapes are real newlines now.
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');
  const started: Worker[] = [];
  class PthreadWorker extends Worker {
    constructor(_file: string, options?: object) {
      super(workerSource, { ...options, eval: true, execArgv: [] });
      started.push(this);
    }
  }
  let failed: (e: Error) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  const config = {
    mainScriptUrlOrBlob: script,
    locateFile: (p: string) => join(dir, p),
    onAbort: (what: unknown) => failed(new Error(`threaded wasm aborted: ${String(what)}`)),
    instantiateWasm: (info: Imports, receive: (instance: object, module: object) => void) => {
      const env = { ...info.env, emscripten_num_logical_cores: () => 2 * threads };
      WebAssembly.instantiate(readFileSync(join(dir, 'tfjs-backend-wasm-threaded-simd.wasm')), {
        ...info,
        env,
        wasi_snapshot_preview1: env,
      }).then(
        ({ instance, module }) => receive(instance, module),
        (e: unknown) => failed(e instanceof Error ? e : new Error(String(e))),
      );
      return {};
    },
  };
  const g = globalThis as { Worker?: unknown };
  const before = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  let assigned: unknown;
  // Emscripten sets global.Worker = worker_threads.Worker and builds its pool right after,
  // synchronously; for that one call it gets the subclass instead.
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => PthreadWorker,
    set: (v) => (assigned = v),
  });
  let ready: Promise<EmscriptenModule>;
  try {
    ready = factory(config);
  } finally {
    if (before) Object.defineProperty(globalThis, 'Worker', before);
    else delete g.Worker;
    if (assigned !== undefined) g.Worker = assigned;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`threaded wasm did not start in ${timeoutMs} ms`)), timeoutMs);
  });
  let mod: EmscriptenModule;
  try {
    mod = await Promise.race([ready, failure, timeout]);
  } catch (e) {
    lastFailure = e instanceof Error ? e.message : String(e);
    await Promise.all(started.map((w) => w.terminate()));
    throw e;
  } finally {
    clearTimeout(timer);
  }
  mod.tfjs = {
    init: mod.cwrap('init', null, []),
    initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
    registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: mod.cwrap('dispose_data', null, ['number']),
    dispose: mod.cwrap('dispose', null, []),
  };
  wasm.setThreadsCount(threads);
  const backend = new wasm.BackendWasm(mod as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0]);
  // XNNPACK's pool threads run for the life of the backend; they must not keep Node alive.
  for (const w of mod.PThread.runningWorkers) w.unref();
  return backend;
}
