/**
 * Registers netgrow's gradient kernels on the wasm backend. `fast`: the forward-convolution
 * formulations of conv-grad.ts for both gradients, a direct MaxPoolGrad, and
 * BatchMatMul without the slow transposed path. `shim`: the obvious baseline (depth-1
 * Conv3DBackpropFilterV2 for dW, wasm's built-in Conv2DBackpropInput), kept for benchmarks.
 */
import { tf } from '../model/tf';
import { conv2dBackpropFilter, conv2dBackpropFilterShim, conv2dBackpropInput } from './conv-grad';
import { batchMatMulPlain } from './matmul';
import { maxPoolGrad } from './pool-grad';
import { Backend, Info } from './wasm-ops';

export type KernelMode = 'fast' | 'shim';

type Attrs = Parameters<typeof conv2dBackpropFilter>[3] & { filterShape: number[]; inputShape: number[] };

let builtinInput: tf.KernelConfig | undefined;
let builtinMaxPoolGrad: tf.KernelConfig | undefined;
let builtinBatchMatMul: tf.KernelConfig | undefined;
let active: KernelMode | null = null;

export function registerNetgrowKernels(mode: KernelMode): void {
  if (active === mode) return;
  builtinInput ??= tf.getKernel('Conv2DBackpropInput', 'wasm');
  builtinMaxPoolGrad ??= tf.getKernel('MaxPoolGrad', 'wasm');
  builtinBatchMatMul ??= tf.getKernel('BatchMatMul', 'wasm');
  for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul']) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  }
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const a = attrs as unknown as Attrs;
      const fn = mode === 'fast' ? conv2dBackpropFilter : conv2dBackpropFilterShim;
      return fn(inputs.x as Info, inputs.dy as Info, a.filterShape, a, backend as Backend);
    },
  });
  if (mode === 'fast') {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const a = attrs as unknown as Attrs;
        return conv2dBackpropInput(
          inputs.dy as Info,
          inputs.filter as Info,
          a.inputShape,
          a,
          backend as Backend,
        );
      },
    });
    tf.registerKernel({
      kernelName: 'MaxPoolGrad',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) =>
        maxPoolGrad(inputs.dy as Info, inputs.input as Info, attrs as never, backend as Backend),
    });
    tf.registerKernel({
      kernelName: 'BatchMatMul',
      backendName: 'wasm',
      kernelFunc: batchMatMulPlain(builtinBatchMatMul!) as tf.KernelFunc,
    });
  } else {
    if (builtinBatchMatMul) tf.registerKernel(builtinBatchMatMul);
    if (builtinInput) tf.registerKernel(builtinInput);
    if (builtinMaxPoolGrad) tf.registerKernel(builtinMaxPoolGrad);
  }
  active = mode;
}

export const activeKernels = (): KernelMode | null => active;
