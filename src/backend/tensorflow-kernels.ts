/**
 * Kernels netgrow replaces on the `tensorflow` backend, where tfjs-node's own implementation
 * costs far more TensorFlow ops than the maths needs (bench/step-profile.ts counts them).
 *
 * `Step` is the ReLU gradient's mask (relu and every fused conv/dense + relu call it once per
 * backward pass). tfjs-node builds it from IsNan, Greater, Fill, OnesLike and two Selects, and
 * uploads two fresh scalars from JS each call: about 7 ops and 2 allocations per ReLU per step.
 * Here, for alpha 0 on float32: Cast(Greater(x, 0)), with the zero uploaded once. The one
 * difference: a NaN input gives 0 instead of NaN; its gradient is NaN anyway through dy, and
 * the divergence monitor stops such a run on its loss.
 *
 * `Cast` to the dtype a tensor already has: tfjs's ReLU gradient casts the float32 mask to
 * float32 (and the loss casts float32 labels), and tfjs-node runs each as a TensorFlow Cast, a
 * copy and one more op; here the output shares the input's handle, reference counted as
 * tfjs-node's own Identity does.
 *
 * `MaxPoolGrad`: eager TensorFlow runs the generic Eigen kernel, which searches every window
 * again (1.9 ms for LeNet's pool1 gradient, 10–35 ms for vgg8's, one thread), while a Keras
 * graph gets grappler's rewrite to oneDNN's pooling with the forward pass's workspace of argmax
 * indices (0.45–0.53 ms). The oneDNN ops are registered in PyPI TensorFlow and run eagerly by
 * name: the forward `MaxPool` runs as `_MklNativeMaxPool` (eager's own MaxPool is 5x slower
 * on LeNet's shapes too), and the gradient runs that forward pool again for its workspace
 * (0.1–0.2 ms; keeping the forward's own would need its lifetime tied to the output's), then
 * `_MklNativeMaxPoolGrad`. Same values as the stock kernels, ties included
 * (tests/backend/tensorflow-kernels.test.ts); where the ops do not run, the stock kernels.
 */
import { tf } from './tf';

interface NodeBackend {
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.TensorInfo;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.TensorInfo[], n: number): tf.Tensor[];
  binding: { TF_ATTR_INT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number };
}
type TypeAttr = (name: string, dtype: tf.DataType) => unknown;

let registered = false;

/** NETGROW_TF_KERNELS=stock keeps tfjs-node's own (benchmarks compare the two). */
export function registerTensorFlowKernels(): void {
  if (registered || process.env.NETGROW_TF_KERNELS === 'stock') return;
  registered = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only once tfjs-node is
  const tfjsNode = require('@tensorflow/tfjs-node/dist/nodejs_kernel_backend') as {
    createTensorsTypeOpAttr: TypeAttr;
  };
  registerSameDtypeCast();
  registerOneDnnMaxPool(tfjsNode.createTensorsTypeOpAttr);
  const stock = tf.getKernel('Step', 'tensorflow')!;
  let zero: tf.Tensor | null = null;
  tf.registerKernel({
    kernelName: 'Step',
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if ((args.attrs as { alpha?: number }).alpha || x.dtype !== 'float32') return stock.kernelFunc(args);
      const backend = args.backend as unknown as NodeBackend;
      zero ??= tf.keep(tf.scalar(0));
      const attr = tfjsNode.createTensorsTypeOpAttr;
      const mask = backend.executeSingleOutput('Greater', [attr('T', 'float32')], [x, zero]);
      const out = backend.executeSingleOutput(
        'Cast',
        [attr('SrcT', 'bool'), attr('DstT', 'float32')],
        [mask],
      );
      (mask as tf.Tensor).dispose();
      return out;
    },
  });
}

function registerSameDtypeCast(): void {
  const stock = tf.getKernel('Cast', 'tensorflow')!;
  tf.registerKernel({
    kernelName: 'Cast',
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if ((args.attrs as { dtype: string }).dtype !== x.dtype) return stock.kernelFunc(args);
      (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  });
}

/** Whether the oneDNN pooling ops ran here; false after their first failure (then: stock). */
let oneDnnPooling = true;

/** Whether max pooling still runs on oneDNN's ops (tests check that no fallback happened). */
export function oneDnnPoolingActive(): boolean {
  return registered && oneDnnPooling;
}

/** The attributes of oneDNN's max pooling ops, or null where they do not apply (then: stock). */
function poolAttrs(
  x: tf.TensorInfo,
  a: {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: unknown;
    dimRoundingMode?: unknown;
  },
  backend: NodeBackend,
  typeAttr: TypeAttr,
  workspace: boolean,
): unknown[] | null {
  if (!oneDnnPooling || x.dtype !== 'float32' || a.dimRoundingMode != null || typeof a.pad !== 'string')
    return null;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad as 'valid' | 'same',
  );
  const { TF_ATTR_INT, TF_ATTR_STRING, TF_ATTR_BOOL } = backend.binding;
  return [
    typeAttr('T', 'float32'),
    { name: 'ksize', type: TF_ATTR_INT, value: [1, info.filterHeight, info.filterWidth, 1] },
    { name: 'strides', type: TF_ATTR_INT, value: [1, info.strideHeight, info.strideWidth, 1] },
    { name: 'padding', type: TF_ATTR_STRING, value: info.padInfo.type },
    { name: 'data_format', type: TF_ATTR_STRING, value: 'NHWC' },
    { name: 'workspace_enabled', type: TF_ATTR_BOOL, value: workspace },
    // The oneDNN kernels are registered under this label (what grappler's rewrite sets).
    { name: '_kernel', type: TF_ATTR_STRING, value: 'MklNameChangeOp' },
  ];
}

/** Runs `f` (oneDNN ops); on the first failure, oneDNN pooling is off and `stock` answers. */
function orStock(f: () => tf.TensorInfo, stock: () => tf.TensorInfo): tf.TensorInfo {
  try {
    return f();
  } catch {
    oneDnnPooling = false; // not this TensorFlow build: its own kernels from now on
    return stock();
  }
}

function registerOneDnnMaxPool(typeAttr: TypeAttr): void {
  const stockPool = tf.getKernel('MaxPool', 'tensorflow')!;
  tf.registerKernel({
    kernelName: 'MaxPool',
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const backend = args.backend as unknown as NodeBackend;
      const attrs = poolAttrs(x, args.attrs as unknown as tf.MaxPoolAttrs, backend, typeAttr, false);
      const stock = () => stockPool.kernelFunc(args) as tf.TensorInfo;
      if (!attrs) return stock();
      return orStock(() => {
        const [y, unused] = backend.executeMultipleOutputs('_MklNativeMaxPool', attrs, [x], 2);
        unused.dispose();
        return y;
      }, stock);
    },
  });
  const stockGrad = tf.getKernel('MaxPoolGrad', 'tensorflow')!;
  tf.registerKernel({
    kernelName: 'MaxPoolGrad',
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const backend = args.backend as unknown as NodeBackend;
      const attrs = poolAttrs(input, args.attrs as unknown as tf.MaxPoolGradAttrs, backend, typeAttr, true);
      const stock = () => stockGrad.kernelFunc(args) as tf.TensorInfo;
      if (!attrs) return stock();
      return orStock(() => {
        const [y, workspace] = backend.executeMultipleOutputs('_MklNativeMaxPool', attrs, [input], 2);
        try {
          return backend.executeSingleOutput('_MklNativeMaxPoolGrad', attrs, [input, y, dy, workspace]);
        } finally {
          y.dispose();
          workspace.dispose();
        }
      }, stock);
    },
  });
}
