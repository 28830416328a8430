/**
 * An allocation a backend could not make, as each backend reports it, so that the trainer can
 * end such a run with its own exit code (TRAIN_EXIT.outOfMemory) and the search retry it with a
 * smaller batch (`oom.retries`), as it does a pod the kernel killed for memory:
 * - `tensorflow` (tfjs-node): an Error "Invalid TF_Status: 8\nMessage: OOM when allocating
 *   tensor with shape[…] … by allocator GPU_0_bfc" (8 is TF_RESOURCE_EXHAUSTED), from the GPU's
 *   allocator or the CPU's alike;
 * - `graph` (native/graph): "graph engine: run: OOM when allocating tensor …", TF_Status's
 *   message verbatim;
 * - CUDA itself: CUDA_ERROR_OUT_OF_MEMORY, "CUDA out of memory", a cuBLAS/cuDNN workspace that
 *   could not be allocated;
 * - `wasm`: stock tfjs-backend-wasm's `_malloc` returns 0 when its heap cannot grow, and tfjs
 *   would use offset 0 as the tensor's memory; `guardWasmHeap` makes that a WasmOutOfMemory error;
 * - values a backend makes on the JavaScript side (tfjs-backend-wasm's `fill`, for one): V8's
 *   RangeError "Array buffer allocation failed", or "Invalid typed array length: n" for one over
 *   the largest typed array.
 */
import { UsageError } from '../contracts/errors';
import { tf } from './tf';

/** The wasm backend's heap could not hold a tensor. */
export class WasmOutOfMemoryError extends Error {
  constructor(bytes: number, heapBytes: number) {
    super(`wasm backend: out of memory: cannot allocate ${bytes} bytes (heap ${heapBytes} bytes)`);
    this.name = 'WasmOutOfMemory';
  }
}

const KINDS: readonly [kind: string, pattern: RegExp][] = [
  [
    'CUDA out of memory',
    /CUDA_ERROR_OUT_OF_MEMORY|CUDA out of memory|cudaErrorMemoryAllocation|CUBLAS_STATUS_ALLOC_FAILED|CUDNN_STATUS_ALLOC_FAILED/,
  ],
  [
    'TensorFlow ResourceExhausted',
    /Invalid TF_Status: 8\b|OOM when allocating tensor|ResourceExhausted|RESOURCE_EXHAUSTED/,
  ],
  ['wasm heap exhausted', /^wasm backend: out of memory\b|Cannot enlarge memory arrays/],
  // A tensor's values held in JavaScript (the wasm and cpu backends fill some on that side)
  // that V8 cannot allocate, or that is over the largest typed array it makes.
  ['JavaScript array buffer', /^Array buffer allocation failed|^Invalid typed array length: \d+/],
];

/**
 * Which out-of-memory `e` is (its cause chain included), or null when it is not one: a
 * `'CUDA out of memory'`, `'TensorFlow ResourceExhausted'`, `'wasm heap exhausted'` or
 * `'JavaScript array buffer'`.
 */
export function outOfMemoryKind(e: unknown): string | null {
  for (let at = e, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    if (at instanceof WasmOutOfMemoryError) return 'wasm heap exhausted';
    const hit = KINDS.find(([, pattern]) => pattern.test(at.message));
    if (hit) return hit[0];
  }
  return null;
}

interface WasmModule {
  _malloc(bytes: number): number;
  HEAPU8: Uint8Array;
}

const guarded = new WeakSet<object>();

/**
 * Makes a failed allocation of the wasm backend (`backend.wasm._malloc` returning 0, or a
 * size a 32-bit heap cannot address) throw WasmOutOfMemoryError instead of handing tfjs
 * offset 0. Once per module.
 */
export function guardWasmHeap(backend: unknown): void {
  const wasm = (backend as { wasm?: WasmModule } | null)?.wasm;
  if (!wasm || typeof wasm._malloc !== 'function' || guarded.has(wasm)) return;
  guarded.add(wasm);
  const malloc = wasm._malloc.bind(wasm);
  wasm._malloc = (bytes: number) => {
    const at = bytes >= 2 ** 32 ? 0 : malloc(bytes);
    if (at === 0 && bytes > 0) throw new WasmOutOfMemoryError(bytes, wasm.HEAPU8.length);
    return at;
  };
}

/** The environment variable of the test seam below. */
export const TEST_OOM_ENV = 'NETGROW_TEST_OOM_ABOVE_BATCH';

/**
 * A test seam (NETGROW_TEST_OOM_ABOVE_BATCH=n, for tests only): before a training step on more
 * than n rows, the active tfjs backend is asked for a tensor no allocator can hold (2^42
 * float32s), so the run fails with that backend's own error — TensorFlow's ResourceExhausted
 * "OOM when allocating tensor" (tensorflow, and graph, whose tfjs side runs on it) or the
 * guarded wasm heap's. A retry with a batch of n rows or fewer trains normally. Unset: nothing.
 */
export function outOfMemoryAbove(env: NodeJS.ProcessEnv = process.env): ((rows: number) => void) | null {
  const limit = seamCount(env, TEST_OOM_ENV, 'rows');
  if (limit === null) return null;
  return (rows) => {
    if (rows > limit) tf.fill([2 ** 14, 2 ** 14, 2 ** 14], 0).dispose();
  };
}

/** The environment variable of the test seam below. */
export const TEST_HOLD_ENV = 'NETGROW_TEST_HOLD_MB_PER_ROW';
/** What the seam holds: kept referenced so that the memory stays resident. */
let held: Buffer | null = null;

/**
 * A test seam (NETGROW_TEST_HOLD_MB_PER_ROW=n, for tests only): before a training step on
 * `rows` rows, the process holds rows × n MiB of written memory, as a network's activations
 * grow with its batch; under a container memory limit the kernel OOM-kills a trainer whose
 * batch is too large, and one with half the batch fits. Unset: nothing.
 */
export function holdMemoryPerRow(env: NodeJS.ProcessEnv = process.env): ((rows: number) => void) | null {
  const mb = seamCount(env, TEST_HOLD_ENV, 'MiB');
  if (mb === null) return null;
  return (rows) => {
    const bytes = rows * mb * 2 ** 20;
    if (!held || held.length < bytes) held = Buffer.alloc(bytes, 1);
  };
}

/** A seam's whole number from the environment; null when unset. */
function seamCount(env: NodeJS.ProcessEnv, name: string, unit: string): number | null {
  const raw = env[name];
  if (!raw) return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${name} must be a whole number of ${unit}, received '${raw}'`);
  return n;
}
