/**
 * Where a training step goes on the active backend: kernels run per step (by name), the time
 * inside them against the step's wall time, tensors allocated, and the optimizer's share.
 * The step is src/train/bench.ts's (SGD momentum 0.9, softmax cross-entropy, one synthetic batch).
 *
 *   NETGROW_BACKEND=tensorflow npx tsx bench/step-profile.ts [arch] [batch] [steps] [--json]
 *   (NETGROW_TF_KERNELS=stock: tfjs-node's own kernels instead of src/backend/tensorflow-kernels.ts;
 *   --json: one object with every op kind, what bench/peers/ops.ts reads)
 */
import { builtin, initWeights, Rng } from '../src/graph';
import { initBackend } from '../src/backend';
import { buildModel } from '../src/model/build';
import { tf } from '../src/backend/tf';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const [arch = 'lenet', batch = '64', steps = '5'] = process.argv.slice(2).filter((a) => a !== '--json');
  await initBackend();
  const g = builtin(arch, { inputShape: [28, 28, 1], numClasses: 10 });
  const rng = new Rng(0);
  const model = buildModel(g, initWeights(g, rng), { logits: true });
  const n = Number(batch);
  const x = tf.randomNormal([n, 28, 28, 1]);
  const y = tf.oneHot(
    tf.tensor1d(
      Int32Array.from({ length: n }, (_, i) => i % 10),
      'int32',
    ),
    10,
  );
  const opt = tf.train.momentum(0.01, 0.9);
  const loss = () =>
    tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const step = () => {
    const l = opt.minimize(loss, true)!;
    l.dataSync();
    l.dispose();
  };
  for (let i = 0; i < 3; i++) step();

  // Plain wall time per step, without the profiler's bookkeeping.
  const t0 = performance.now();
  for (let i = 0; i < Number(steps); i++) step();
  const wall = (performance.now() - t0) / Number(steps);

  // On tensorflow every kernel is one synchronous binding.executeOp: time inside TensorFlow is
  // measured around it, tensors created and deleted around createTensor/deleteTensor. (tf.profile
  // downloads every output to check it, which would triple a small step.)
  const backend = tf.backend() as unknown as { binding?: Record<string, (...a: unknown[]) => unknown> };
  const binding = backend.binding;
  if (!binding) throw new Error('step-profile: needs the tensorflow backend (NETGROW_BACKEND=tensorflow)');
  const byName = new Map<string, { count: number; ms: number }>();
  const counts = { ops: 0, inside: 0, created: 0, deleted: 0 };
  const wrap =
    (name: string, f: (...a: unknown[]) => unknown) =>
    (...a: unknown[]) => {
      if (name === 'createTensor') counts.created++;
      if (name === 'deleteTensor') counts.deleted++;
      if (name !== 'executeOp') return f(...a);
      const t = performance.now();
      const out = f(...a);
      const ms = performance.now() - t;
      counts.ops++;
      counts.inside += ms;
      const e = byName.get(a[0] as string) ?? { count: 0, ms: 0 };
      byName.set(a[0] as string, { count: e.count + 1, ms: e.ms + ms });
      return out;
    };
  // The addon's properties are read-only: the backend gets a counting view of it instead.
  const wrapped_ = new Map(
    ['executeOp', 'createTensor', 'deleteTensor'].map((k) => [k, wrap(k, binding[k].bind(binding))]),
  );
  const view = Object.create(binding) as typeof binding;
  for (const [k, f] of wrapped_) Object.defineProperty(view, k, { value: f });
  backend.binding = view;
  const measured = Number(steps);
  const t1 = performance.now();
  for (let i = 0; i < measured; i++) step();
  const wrapped = (performance.now() - t1) / measured;
  const perStep = (v: number) => (v / measured).toFixed(1);
  const stepOps = counts.ops;
  const [created, deleted, inside] = [counts.created, counts.deleted, counts.inside];

  const frozen = new Map(byName);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads, value } = tf.variableGrads(loss, vars);
  counts.ops = 0;
  opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
  const optimizerOps = counts.ops;
  tf.dispose([value, ...Object.values(grads)]);

  if (json) {
    const ops = Object.fromEntries(
      [...frozen].map(([name, e]) => [name, { count: e.count / measured, ms: e.ms / measured }]),
    );
    console.log(
      JSON.stringify({
        arch,
        batch: n,
        wallMs: wall,
        countedWallMs: wrapped,
        insideMs: inside / measured,
        ops,
      }),
    );
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
    return;
  }
  console.log(
    `${arch} batch ${n} on ${tf.getBackend()}: ${wall.toFixed(2)} ms/step (${wrapped.toFixed(2)} with the counters)`,
  );
  console.log(
    `per step: ${perStep(stepOps)} TensorFlow ops, ${perStep(inside)} ms inside them, ` +
      `${(wrapped - inside / measured).toFixed(2)} ms outside (JS, tfjs engine, tape, binding), ` +
      `${perStep(created)} tensors created from JS, ${perStep(deleted)} deleted`,
  );
  console.log(`the optimizer update alone: ${optimizerOps} ops for ${vars.length} variables`);
  const rows = [...frozen.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [name, e] of rows.slice(0, Number(process.env.ROWS ?? 15)))
    console.log(`  ${name.padEnd(24)} ${perStep(e.count).padStart(6)} /step ${perStep(e.ms).padStart(7)} ms`);
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
}

void main();
