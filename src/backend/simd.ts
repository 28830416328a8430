/**
 * Loads netgrow's SIMD kernels (src/backend/assembly/kernels.ts, AssemblyScript, compiled by scripts/build-wasm.sh) onto the
 * tfjs wasm backend's own memory, so they read and write tensors in place: a tensor is passed
 * as its byte offset in that heap. One instance per memory (the backend can be re-created);
 * the threaded tfjs build has a shared memory and gets the module compiled for one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from './tf';
import { Backend, Info } from './wasm-ops';

type Ptr = number;

// tsconfig has no DOM lib, and @types/node does not declare the WebAssembly global.
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmModule {
  readonly __module: unique symbol;
}
declare const WebAssembly: {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: object };
};

/** Input [n,H,W,ci], output [n,OH,OW,co], kernel KH×KW, strides, top and left padding. */
export type ConvGeometry = [
  n: number,
  H: number,
  W: number,
  ci: number,
  OH: number,
  OW: number,
  co: number,
  KH: number,
  KW: number,
  sh: number,
  sw: number,
  pt: number,
  pl: number,
];

/** What a convolution gradient's shapes and Conv2DInfo say, in the order the kernels take it. */
export function convGeometry(x: number[], y: number[], info: tf.backend_util.Conv2DInfo): ConvGeometry {
  const { strideHeight: sh, strideWidth: sw, filterHeight: KH, filterWidth: KW, padInfo: p } = info;
  return [x[0], x[1], x[2], x[3], y[1], y[2], y[3], KH, KW, sh, sw, p.top, p.left];
}

/** Input [n,H,W,C], output OH×OW, window fh×fw, strides, top and left padding. */
export type PoolGeometry = readonly [
  n: number,
  H: number,
  W: number,
  C: number,
  OH: number,
  OW: number,
  fh: number,
  fw: number,
  sh: number,
  sw: number,
  top: number,
  left: number,
];

export interface SimdKernels {
  convFilterGrad(x: Ptr, dy: Ptr, acc: Ptr, ...g: ConvGeometry): void;
  compact(src: Ptr, dst: Ptr, rows: number, from: number, keep: number): void;
  maxPoolGrad(x: Ptr, dy: Ptr, dx: Ptr, ...g: PoolGeometry): void;
  avgPoolGrad(dy: Ptr, dx: Ptr, ...g: PoolGeometry): void;
  sumRows(x: Ptr, out: Ptr, rows: number, C: number): void;
  padImages(
    x: Ptr,
    out: Ptr,
    n: number,
    H: number,
    W: number,
    Hp: number,
    Wp: number,
    top: number,
    left: number,
  ): void;
  splatEach(w: Ptr, out: Ptr, count: number): void;
  convForward1(
    xp: Ptr,
    ws: Ptr,
    out: Ptr,
    n: number,
    OH: number,
    OW: number,
    KH: number,
    KW: number,
    co: number,
  ): void;
  addBias(x: Ptr, b: Ptr, out: Ptr, rows: number, C: number): void;
  padRows(src: Ptr, dst: Ptr, rows: number, keep: number, to: number): void;
  convInputGrad(dy: Ptr, w: Ptr, dx: Ptr, ...g: ConvGeometry): void;
}

interface WasmBackendInternals {
  wasm: { asm?: { memory?: WasmMemory }; wasmMemory?: WasmMemory; HEAPF32: Float32Array };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
}

const modules = new Map<boolean, WasmModule>();
const instances = new WeakMap<WasmMemory, SimdKernels>();

function compiled(shared: boolean): WasmModule {
  let m = modules.get(shared);
  if (!m) {
    const file = shared ? 'netgrow-kernels-shared.wasm' : 'netgrow-kernels.wasm';
    m = new WebAssembly.Module(readFileSync(join(__dirname, 'assembly', file)));
    modules.set(shared, m);
  }
  return m;
}

function memoryOf(b: Backend): WasmMemory {
  const w = (b as unknown as WasmBackendInternals).wasm;
  const mem = w.asm?.memory ?? w.wasmMemory;
  if (!(mem instanceof WebAssembly.Memory))
    throw new Error('netgrow SIMD kernels: cannot find the memory of the tfjs wasm backend');
  return mem;
}

/** The kernels bound to this backend's heap. */
export function simd(b: Backend): SimdKernels {
  const mem = memoryOf(b);
  let k = instances.get(mem);
  if (!k) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && mem.buffer instanceof SharedArrayBuffer;
    const inst = new WebAssembly.Instance(compiled(shared), { env: { memory: mem } });
    k = inst.exports as unknown as SimdKernels;
    instances.set(mem, k);
  }
  return k;
}

/** Byte offset of a tensor's data in the backend's heap. */
export function ptr(b: Backend, t: Info): Ptr {
  const d = (b as unknown as WasmBackendInternals).dataIdMap.get(t.dataId);
  if (!d) throw new Error('netgrow SIMD kernels: tensor data is not on the wasm backend');
  return d.memoryOffset;
}

/** Whether reading `extra` bytes past the end of t stays inside the heap. */
export function canOverread(b: Backend, t: Info, extra: number): boolean {
  const bytes = t.shape.reduce((a, c) => a * c, 1) * 4;
  return ptr(b, t) + bytes + extra <= memoryOf(b).buffer.byteLength;
}
