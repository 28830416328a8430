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
 */
import { tf } from './tf';

interface NodeBackend {
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.TensorInfo;
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
