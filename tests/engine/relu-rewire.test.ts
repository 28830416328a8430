/**
 * The engine rewires each ReluGrad to read its Relu's output instead of its input, so that the
 * conv/matmul + bias before a ReLU has one reader and grappler fuses the three. The gradient
 * must not change: checked on values on both sides of zero, and on the graph's edges.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reluGradsOnOutputs } from '../../src/engine/engine';
import { DT, GraphDefWriter, readOps } from '../../src/engine/graphdef';
import { loadGraphAddon } from '../../src/engine/native';
import { skipWhen } from '../support/skip';

const { addon, why } = loadGraphAddon();
const skip = skipWhen('no-graph-engine', addon ? null : why);

test(
  'each ReluGrad reads the Relu output after the rewiring, and the gradient is unchanged',
  { skip },
  async () => {
    const w = new GraphDefWriter();
    const x = w.placeholder('x', DT.float, [-1, 4]);
    const z = w.op('AddV2', 'train/z', [x, w.scalar('train/b', 0.5)]);
    const r = w.op('Relu', 'train/r/Relu', [z]);
    const loss = w.op('Mul', 'train/loss', [r, w.scalar('train/three', 3)]);
    const g = addon!.newGraph();
    addon!.importGraphDef(g, w.encode(), []);
    const [dx] = addon!.addGradients(g, 'grad', [loss], [x], null);
    const reluGrads = () => readOps(addon!.graphDef(g)).filter((o) => o.op === 'ReluGrad');
    assert.deepEqual(
      reluGrads().map((o) => o.input[1]),
      [z],
    );

    assert.equal(reluGradsOnOutputs(addon!, g), 1);
    assert.deepEqual(
      reluGrads().map((o) => o.input[1]),
      [r],
    );
    const s = addon!.newSession(g, 1, 1);
    try {
      const xs = Float32Array.from([-2, -0.5, -0.25, 1]); // z = -1.5, 0, 0.25, 1.5
      const [out] = await addon!.run(s, [{ name: x, dtype: 'float32', shape: [1, 4], data: xs }], [dx!], []);
      assert.deepEqual([...out.data], [0, 0, 3, 3]);
    } finally {
      addon!.closeSession(s);
    }
  },
);
