export * from './select';
export { registerNetgrowKernels, activeKernels } from './kernels';
export type { KernelMode } from './kernels';
export { guardWasmHeap, outOfMemoryAbove, outOfMemoryKind, WasmOutOfMemoryError } from './out-of-memory';
