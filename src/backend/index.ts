export * from './select';
export { registerNetgrowKernels, activeKernels } from './kernels';
export type { KernelMode } from './kernels';
