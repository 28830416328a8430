/**
 * Registers netgrow's kernels on the wasm backend. `fast`: the convolution gradients of
 * conv-grad.ts (direct SIMD loops for few-channel layers, XNNPACK forward-convolution
 * formulations for the rest), SIMD MaxPoolGrad and AvgPoolGrad, BatchMatMul without the slow
 * transposed path, a block-copy Tile (batch-norm gradients), a one-pass bias-gradient Sum,
 * Identity/Cast without copies, a per-channel bias Add and a one-input-channel forward Conv2D.
 * `shim`: the obvious baseline (depth-1 Conv3DBackpropFilterV2 for dW, since wasm has no
 * Conv2DBackpropFilter; the stock kernels for the rest), kept for benchmarks. One mode is
 * active at a time; registering switches.
 */
import { tf } from './tf';
import { conv2dBackpropFilter, conv2dBackpropFilterShim, conv2dBackpropInput } from './conv-grad';
import { batchMatMulPlain } from './matmul';
import { avgPoolGrad, maxPoolGrad } from './pool-grad';
import { addKernel } from './bias-add';
import { conv2dKernel } from './conv-forward';
import { castKernel, identityKernel } from './share';
import { sumKernel } from './sum';
import { tile } from './tile';
import { Backend, Info } from './wasm-ops';

export type KernelMode = 'fast' | 'shim';

/** The kernels netgrow replaces or adds; the stock wasm ones are kept to switch back to. */
const MANAGED = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'BatchMatMul',
  'Tile',
  'Sum',
  'Identity',
  'Cast',
  'Add',
  'Conv2D',
] as const;
type Managed = (typeof MANAGED)[number];

type ConvAttrs = Parameters<typeof conv2dBackpropFilter>[3] & { filterShape: number[]; inputShape: number[] };

let stock: Partial<Record<Managed, tf.KernelConfig>> | null = null;
let active: KernelMode | null = null;

function kernel(name: Managed, kernelFunc: tf.KernelFunc): tf.KernelConfig {
  // The stock kernel's setup (its cwrap of the C++ entry) must still run if the backend is
  // initialised after this registration, because netgrow's kernels call into it.
  return { kernelName: name, backendName: 'wasm', kernelFunc, setupFunc: stock?.[name]?.setupFunc };
}

function fastKernels(): tf.KernelConfig[] {
  return [
    kernel('Conv2DBackpropFilter', ({ inputs, backend, attrs }) => {
      const a = attrs as unknown as ConvAttrs;
      return conv2dBackpropFilter(inputs.x as Info, inputs.dy as Info, a.filterShape, a, backend as Backend);
    }),
    kernel('Conv2DBackpropInput', ({ inputs, backend, attrs }) => {
      const a = attrs as unknown as ConvAttrs;
      return conv2dBackpropInput(
        inputs.dy as Info,
        inputs.filter as Info,
        a.inputShape,
        a,
        backend as Backend,
      );
    }),
    kernel('MaxPoolGrad', ({ inputs, backend, attrs }) =>
      maxPoolGrad(inputs.dy as Info, inputs.input as Info, attrs as never, backend as Backend),
    ),
    kernel('AvgPoolGrad', ({ inputs, backend, attrs }) =>
      avgPoolGrad(inputs.dy as Info, inputs.input as Info, attrs as never, backend as Backend),
    ),
    kernel('BatchMatMul', batchMatMulPlain(stock!.BatchMatMul!) as tf.KernelFunc),
    kernel('Conv2D', conv2dKernel(stock!.Conv2D!.kernelFunc)),
    kernel('Add', addKernel(stock!.Add!.kernelFunc)),
    kernel('Sum', sumKernel(stock!.Sum!.kernelFunc)),
    kernel('Identity', identityKernel(stock!.Identity!.kernelFunc)),
    kernel('Cast', castKernel(stock!.Cast!.kernelFunc)),
    kernel('Tile', (args) => {
      const x = args.inputs.x as Info;
      if (x.dtype === 'string' || x.dtype === 'complex64') return stock!.Tile!.kernelFunc(args);
      return tile(x, (args.attrs as { reps: number[] }).reps, args.backend as Backend);
    }),
  ];
}

function shimKernels(): tf.KernelConfig[] {
  const filter = kernel('Conv2DBackpropFilter', ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as ConvAttrs;
    return conv2dBackpropFilterShim(
      inputs.x as Info,
      inputs.dy as Info,
      a.filterShape,
      a,
      backend as Backend,
    );
  });
  const rest = MANAGED.filter((n) => n !== 'Conv2DBackpropFilter').map((n) => stock![n]);
  return [filter, ...rest.filter((k): k is tf.KernelConfig => k !== undefined)];
}

export function registerNetgrowKernels(mode: KernelMode): void {
  if (active === mode) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- registers the stock wasm kernels
  require('@tensorflow/tfjs-backend-wasm');
  stock ??= Object.fromEntries(MANAGED.map((n) => [n, tf.getKernel(n, 'wasm')]).filter(([, k]) => k));
  for (const name of MANAGED) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  for (const k of mode === 'fast' ? fastKernels() : shimKernels()) tf.registerKernel(k);
  active = mode;
}

export const activeKernels = (): KernelMode | null => active;
