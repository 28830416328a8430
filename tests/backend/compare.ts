/** Runs the same computation on the cpu backend (the reference) and on wasm, and compares. */
import assert from 'node:assert/strict';
import { registerNetgrowKernels, KernelMode } from '../../src/backend/kernels';
import { initBackend } from '../../src/backend/select';
import { tf } from '../../src/backend/tf';
import '@tensorflow/tfjs-backend-wasm';

/**
 * max |a − b| / max(max |b|, floor): one scale for the whole tensor, so near-zero entries don't
 * dominate; `floor` keeps a gradient that is zero in exact arithmetic (rounding noise) from
 * being compared with itself.
 */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  assert.equal(a.length, b.length, 'same length');
  let num = 0;
  for (let i = 0; i < a.length; i++) num = Math.max(num, Math.abs(a[i] - b[i]));
  return num / Math.max(maxAbs(b), floor);
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * `fn` on cpu, then on wasm with netgrow's kernels in `mode`; returns [wasm, cpu] results and,
 * unless told otherwise, checks that the wasm run leaves no tensor behind.
 */
export async function onWasmAndCpu(
  fn: () => Float32Array[],
  mode: KernelMode = 'fast',
  { checkLeaks = true } = {},
): Promise<[Float32Array[], Float32Array[]]> {
  await tf.setBackend('cpu');
  const ref = fn();
  await tf.setBackend('wasm');
  registerNetgrowKernels(mode);
  const before = tf.memory().numTensors;
  const got = fn();
  if (checkLeaks) assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  return [got, ref];
}

/** `fn` on cpu, then on the native `tensorflow` backend; returns [tensorflow, cpu] results. */
export async function onTensorFlowAndCpu(
  fn: () => Float32Array[],
): Promise<[Float32Array[], Float32Array[]]> {
  await tf.setBackend('cpu');
  const ref = fn();
  await initBackend({ prefer: 'tensorflow', log: () => undefined });
  await tf.setBackend('tensorflow');
  const got = fn();
  return [got, ref];
}

export function assertClose(
  got: Float32Array[],
  ref: Float32Array[],
  tol: number,
  what: string[] = [],
  floor = 1e-12,
): void {
  assert.equal(got.length, ref.length);
  got.forEach((g, i) => {
    const e = relErr(g, ref[i], floor);
    const scale = maxAbs(ref[i]).toExponential(1);
    assert.ok(
      e <= tol,
      `${what[i] ?? `output ${i}`}: relative error ${e.toExponential(2)} > ${tol} (scale ${scale})`,
    );
  });
}
