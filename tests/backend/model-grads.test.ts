/**
 * Whole training gradients of builtin networks, wasm (netgrow's kernels, both modes) against
 * cpu: every path a real step takes — fused conv + bias + relu, strided convs, 1x1
 * projections, pooling, batch norm in training, PReLU, residual adds, dense layers and the
 * softmax cross-entropy — for every trainable weight.
 */
import { describe, test } from 'node:test';
import { builtin, initWeights, Rng } from '../../src/graph';
import { buildModel } from '../../src/model/build';
import { tf } from '../../src/backend/tf';
import { assertClose, maxAbs, onTensorFlowAndCpu, onWasmAndCpu } from './compare';

// scripts/test.sh runs this file again with NETGROW_BACKEND=tensorflow: the same networks,
// the same tolerance, libtensorflow's own kernels against cpu.
const UNDER = process.env.NETGROW_BACKEND === 'tensorflow' ? 'tensorflow' : 'wasm';

function weightGrads(arch: string, batch: number): { names: string[]; grads: Float32Array[] } {
  const g = builtin(arch);
  const model = buildModel(g, initWeights(g, new Rng(3)), { logits: true });
  const r = new Rng(5);
  const x = tf.tensor4d(
    Float32Array.from({ length: batch * 784 }, () => r.normal()),
    [batch, 28, 28, 1],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Int32Array.from({ length: batch }, (_, i) => i % 10),
      'int32',
    ),
    10,
  );
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    vars,
  );
  const out = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  const names = model.trainableWeights.map((w) => w.originalName);
  model.dispose();
  return { names, grads: out };
}

describe(`training gradients of builtins on ${UNDER} match cpu`, () => {
  for (const [arch, batch, modes] of [
    ['lenet', 4, ['fast', 'shim']],
    ['seed-ga', 3, ['fast']],
    ['resnet-s', 2, ['fast', 'shim']],
  ] as const) {
    for (const mode of UNDER === 'tensorflow' ? (['native'] as const) : modes) {
      test(`${arch} (${mode})`, async () => {
        let names: string[] = [];
        // tfjs-layers keeps a tensor per training call on any backend; kernel leaks are pinned
        // by the per-kernel tests.
        const run = () => {
          const r = weightGrads(arch, batch);
          names = r.names;
          return r.grads;
        };
        const [got, ref] =
          mode === 'native'
            ? await onTensorFlowAndCpu(run)
            : await onWasmAndCpu(run, mode, { checkLeaks: false });
        // A conv bias in front of batch norm has a zero gradient in exact arithmetic (the norm
        // subtracts it again): its float32 value is rounding noise, so small gradients are
        // measured against a tenth of the network's largest instead of against themselves.
        const floor = 0.1 * Math.max(...ref.map(maxAbs));
        assertClose(got, ref, 1e-4, names, floor);
      });
    }
  }
});
