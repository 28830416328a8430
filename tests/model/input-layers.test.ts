import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { builtin, initWeights, Rng } from '../../src/graph';
import { buildModel, exportLayersModel, predict, tf, tfl } from '../../src/model';
import { dataInputLayers, UnfusedConv2D, UnfusedDense } from '../../src/model/input-layers';
import { openStore } from '../../src/storage';

const dir = mkdtempSync(join(tmpdir(), 'netgrow-input-layers-'));
before(async () => {
  await tf.setBackend('cpu');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const BATCH = 4;
type ModelJson = Parameters<typeof tfl.models.modelFromJSON>[0]['modelTopology'];

function batch(seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const r = new Rng(seed);
  const x = tf.tensor4d(
    Float32Array.from({ length: BATCH * 784 }, () => r.normal()),
    [BATCH, 28, 28, 1],
  );
  const y = tf.oneHot(tf.tensor1d([1, 3, 5, 7], 'int32'), 10) as tf.Tensor2D;
  return { x, y };
}

/** The same model as stock tfjs-layers would build it, through its own deserialiser. */
async function stockTwin(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  const twin = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as ModelJson });
  twin.setWeights(model.getWeights());
  return twin;
}

function weightGrads(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): Float32Array[] {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    vars,
  );
  const out = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** Equal within 1e-6 of the largest magnitude in the reference. */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, what);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-6 * scale, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

/** Kernels one training step runs, with their output shapes. */
async function stepKernels(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor) {
  const info = await tf.profile(() => {
    weightGrads(model, x, y);
  });
  return info.kernels.map((k) => ({ name: k.name, shapes: k.outputShapes }));
}

describe('layers that read the data run unfused', () => {
  for (const [arch, expected] of [
    ['lenet', ['conv1']],
    ['mlp', ['fc1']],
  ] as const) {
    test(`${arch}: same topology, outputs and weight gradients as the stock fused layers`, async () => {
      const g = builtin(arch);
      assert.deepEqual([...dataInputLayers(g)], expected);
      const model = buildModel(g, initWeights(g, new Rng(1)), { logits: true });
      const twin = await stockTwin(model);
      assert.deepEqual(model.toJSON(null, false), twin.toJSON(null, false));
      for (const id of expected) {
        const ours = model.getLayer(id);
        assert.ok(ours instanceof UnfusedConv2D || ours instanceof UnfusedDense, id);
        assert.equal(twin.getLayer(id).constructor, Object.getPrototypeOf(ours.constructor), id);
      }
      const { x, y } = batch(2);
      const a = (model.predict(x) as tf.Tensor).dataSync();
      const b = (twin.predict(x) as tf.Tensor).dataSync();
      assertClose(a, b, 'logits');
      const ga = weightGrads(model, x, y);
      const gb = weightGrads(twin, x, y);
      const names = model.trainableWeights.map((w) => w.originalName);
      ga.forEach((grad, i) => assertClose(grad, gb[i], names[i]));
      // Asked for, the data's gradient is still there and the same.
      const loss = (m: tfl.LayersModel) => (xx: tf.Tensor) =>
        tf.losses.softmaxCrossEntropy(y, m.apply(xx, { training: true }) as tf.Tensor);
      assertClose(tf.grad(loss(model))(x).dataSync(), tf.grad(loss(twin))(x).dataSync(), 'dLoss/dx');
      tf.dispose([x, y]);
      model.dispose();
      twin.dispose();
    });
  }

  test("lenet: a training step skips conv1's input gradient", async () => {
    const g = builtin('lenet');
    const model = buildModel(g, initWeights(g, new Rng(1)), { logits: true });
    const twin = await stockTwin(model);
    const { x, y } = batch(3);
    const backpropInput = async (m: tfl.LayersModel) =>
      (await stepKernels(m, x, y)).filter((k) => k.name === 'Conv2DBackpropInput').map((k) => k.shapes);
    // conv2's input gradient (into pool1: 14x14x6) remains; the stock layers also compute conv1's.
    assert.deepEqual(await backpropInput(model), [[[BATCH, 14, 14, 6]]]);
    assert.deepEqual(await backpropInput(twin), [[[BATCH, 14, 14, 6]], [[BATCH, 28, 28, 1]]]);
    tf.dispose([x, y]);
    model.dispose();
    twin.dispose();
  });

  test("mlp: a training step skips fc1's input gradient", async () => {
    const g = builtin('mlp');
    const model = buildModel(g, initWeights(g, new Rng(1)), { logits: true });
    const twin = await stockTwin(model);
    const { x, y } = batch(4);
    const dataGrads = async (m: tfl.LayersModel) =>
      (await stepKernels(m, x, y)).filter(
        (k) => k.name === 'BatchMatMul' && k.shapes.some((s) => s.join() === [1, BATCH, 784].join()),
      ).length;
    assert.equal(await dataGrads(model), 0);
    assert.equal(await dataGrads(twin), 1);
    tf.dispose([x, y]);
    model.dispose();
    twin.dispose();
  });

  test('the stock Conv2D and Dense stay what tfjs deserialises', () => {
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    assert.equal(map.Conv2D[0], Object.getPrototypeOf(UnfusedConv2D));
    assert.equal(map.Dense[0], Object.getPrototypeOf(UnfusedDense));
  });

  test('a LayersModel export of lenet opens in stock loadLayersModel with the same outputs', async () => {
    const g = builtin('lenet');
    const w = initWeights(g, new Rng(7));
    const store = openStore(`file://${dir}`);
    await exportLayersModel(store, 'lenet', g, w);
    const json = JSON.parse(await store.getText('lenet/model.json')) as {
      modelTopology: tf.io.ModelArtifacts['modelTopology'];
      weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
    };
    const shard = await store.get('lenet/group1-shard1of1.bin');
    const loaded = await tfl.loadLayersModel({
      load: () =>
        Promise.resolve({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0].weights,
          weightData: shard.slice().buffer as ArrayBuffer,
        }),
    });
    assert.equal(loaded.getLayer('conv1').getClassName(), 'Conv2D');
    assert.ok(!(loaded.getLayer('conv1') instanceof UnfusedConv2D));
    const r = new Rng(8);
    const x = Float32Array.from({ length: 2 * 784 }, () => r.normal());
    assertClose(
      predict(loaded, x, 2, [28, 28, 1]),
      predict(buildModel(g, w), x, 2, [28, 28, 1]),
      'probabilities',
    );
    loaded.dispose();
  });
});
