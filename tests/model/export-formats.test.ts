/**
 * The three export formats round-trip through their own runtimes: for LeNet, resnet-s, the
 * seed's GA start (PReLU, global max pool), a random graph of every node kind and activation,
 * and a network grown with every morph command, the tfjs export runs in stock
 * `tf.loadLayersModel`, the ONNX export in onnxruntime and the Keras export in Keras 3
 * (`keras.saving.load_model`, JAX on CPU), each on a batch of inputs, against netgrow's own
 * outputs (max abs diff ≤ 1e-4).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { builtin, countParams, Graph, inputNode, Rng, Weights } from '../../src/graph';
import {
  buildModel,
  checkExportable,
  EXPORT_FORMATS,
  exportNetwork,
  ExportError,
  parseExportFormat,
  predict,
  tf,
  tfl,
} from '../../src/model';
import { applyCommands } from '../../src/morph';
import { FileStore } from '../../src/storage/file-store';
import { randomArch, randomWeights } from '../morph/support/arch';

const ROOT = resolve(__dirname, '../..');
const PYTHON = join(ROOT, '.tools/venv/bin/python');
const RUNNER = join(__dirname, 'run_exports.py');
const BATCH = 8;
const TOLERANCE = 1e-4;

/** Every morph command, in an order where each one fits the network the previous ones made. */
export const EVERY_COMMAND =
  'insert conv1 bn; insert fc1 dropout=0.3; insert conv1 maxpool; insert conv2 avgpool; ' +
  'wider conv1 x2; deeper conv2; kernel conv1 5; skip conv1 conv2; group conv2 2; branch conv1; ' +
  'wider fc1 x2; deeper fc1';

interface Case {
  name: string;
  graph: Graph;
  weights: Weights;
}

function cases(): Case[] {
  const rng = new Rng(11);
  const make = (name: string, graph: Graph): Case => ({ name, graph, weights: randomWeights(graph, rng) });
  const teacher = builtin('seed-teacher', { inputShape: [16, 16, 3], numClasses: 5 });
  const grown = applyCommands(teacher, randomWeights(teacher, rng), EVERY_COMMAND, new Rng(2));
  return [
    make('lenet', builtin('lenet', { inputShape: [28, 28, 1] })),
    make('resnet-s', builtin('resnet-s', { inputShape: [16, 16, 3] })),
    make('seed-ga', builtin('seed-ga', { inputShape: [12, 12, 2], numClasses: 4 })),
    make('random', randomArch(new Rng(5))),
    { name: 'every-command', graph: grown.graph, weights: grown.weights },
  ];
}

interface PyResult {
  onnx: { shape: number[]; max_abs_diff: number; input: string };
  keras: { shape: number[]; max_abs_diff: number; layers: number; weights: number };
}

describe('export to tfjs, ONNX and Keras', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netgrow-export-'));
  const store = new FileStore(dir);
  const all = cases();
  const inputs = new Map<string, Float32Array>();
  const expected = new Map<string, Float32Array>();
  let python: Record<string, PyResult>;

  before(async () => {
    for (const c of all) {
      const shape = inputNode(c.graph).shape;
      const r = new Rng(3);
      const x = Float32Array.from({ length: BATCH * shape.reduce((a, b) => a * b, 1) }, () => r.normal());
      const model = buildModel(c.graph, c.weights);
      const y = predict(model, x, BATCH, shape);
      model.dispose();
      inputs.set(c.name, x);
      expected.set(c.name, y);
      for (const f of EXPORT_FORMATS) await exportNetwork(store, c.name, c.graph, c.weights, f);
      writeFileSync(join(dir, c.name, 'x.bin'), new Uint8Array(x.buffer));
      writeFileSync(join(dir, c.name, 'y.bin'), new Uint8Array(y.buffer));
    }
    writeFileSync(
      join(dir, 'cases.json'),
      JSON.stringify(all.map((c) => ({ name: c.name, batch: BATCH, input_shape: inputNode(c.graph).shape }))),
    );
    assert.ok(existsSync(PYTHON), `the tools venv is missing (${PYTHON}); run \`bash scripts/setup.sh\``);
    const { stdout } = await promisify(execFile)(PYTHON, [RUNNER, dir], {
      timeout: 300_000,
      maxBuffer: 16 << 20,
    });
    python = JSON.parse(stdout) as Record<string, PyResult>;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the grown network holds every node kind the morph commands make', () => {
    const grown = all.find((c) => c.name === 'every-command')!.graph;
    const kinds = new Set(grown.nodes.map((n) => n.kind));
    for (const k of ['batchnorm', 'dropout', 'maxpool2d', 'avgpool2d', 'add', 'concat', 'slice'] as const) {
      assert.ok(kinds.has(k), `no ${k} in the grown network`);
    }
  });

  for (const name of ['lenet', 'resnet-s', 'seed-ga', 'random', 'every-command']) {
    describe(name, () => {
      test('tfjs: stock tf.loadLayersModel computes the same outputs', async (t) => {
        const c = all.find((k) => k.name === name)!;
        const folder = join(dir, name);
        const loaded = await tfl.loadLayersModel({
          load: async () => {
            const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as {
              modelTopology: object;
              weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
            };
            const bin = readFileSync(join(folder, json.weightsManifest[0].paths[0]));
            return {
              modelTopology: json.modelTopology,
              weightSpecs: json.weightsManifest[0].weights,
              weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
            };
          },
        });
        const y = predict(loaded, inputs.get(name)!, BATCH, inputNode(c.graph).shape);
        loaded.dispose();
        const want = expected.get(name)!;
        assert.equal(y.length, want.length);
        const diff = y.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
        t.diagnostic(`max abs diff ${diff.toExponential(2)}`);
        assert.ok(diff <= TOLERANCE, `tfjs max abs diff ${diff}`);
      });
      test('onnx: onnxruntime computes the same outputs', (t) => {
        const r = python[name].onnx;
        t.diagnostic(`max abs diff ${r.max_abs_diff.toExponential(2)}`);
        assert.equal(r.input, inputNode(all.find((k) => k.name === name)!.graph).id);
        assert.equal(r.shape[0], BATCH);
        assert.ok(r.max_abs_diff <= TOLERANCE, `onnx max abs diff ${r.max_abs_diff}`);
      });
      test('keras: keras.saving.load_model computes the same outputs', (t) => {
        const c = all.find((k) => k.name === name)!;
        const r = python[name].keras;
        t.diagnostic(`max abs diff ${r.max_abs_diff.toExponential(2)}`);
        assert.equal(r.shape[0], BATCH);
        // Keras holds every parameter, plus the frozen selection kernels that stand for slices.
        const slices = c.graph.nodes.filter((n) => n.kind === 'slice').length;
        assert.ok(r.weights >= countParams(c.graph) && (slices > 0 || r.weights === countParams(c.graph)));
        assert.ok(r.max_abs_diff <= TOLERANCE, `keras max abs diff ${r.max_abs_diff}`);
      });
    });
  }

  test('an unknown format and an oversized ONNX export are refused with a sentence', () => {
    assert.throws(
      () => parseExportFormat('pt'),
      (e: unknown) => e instanceof ExportError && e.code === 'bad_format',
    );
    const huge = builtin('mlp', { inputShape: [1 << 22] });
    assert.throws(
      () => checkExportable(huge, 'onnx'),
      (e: unknown) => e instanceof ExportError && e.code === 'too_large',
    );
    assert.doesNotThrow(() => checkExportable(huge, 'tfjs'));
  });
});
