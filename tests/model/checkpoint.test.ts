import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { builtin, initWeights, Rng } from '../../src/graph';
import {
  buildModel,
  CheckpointError,
  exportLayersModel,
  predict,
  readCheckpoint,
  tf,
  tfl,
  writeCheckpoint,
} from '../../src/model';
import { openStore } from '../../src/storage';

const dir = mkdtempSync(join(tmpdir(), 'netgrow-ckpt-'));
const store = openStore(`file://${dir}`);
before(async () => {
  await tf.setBackend('cpu');
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function rejectsWith(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('checkpoints', () => {
  test('write then read gives back the same graph, weights and metadata', async () => {
    const g = builtin('resnet-s');
    const w = initWeights(g, new Rng(1));
    await writeCheckpoint(store, 'c1', g, w, {
      parent: 'c0',
      operation: 'deeper conv2',
      metrics: { valAcc: 0.5 },
    });
    const back = await readCheckpoint(store, 'c1');
    assert.deepEqual(back.graph, g);
    assert.equal(back.meta.parent, 'c0');
    assert.equal(back.meta.operation, 'deeper conv2');
    assert.equal(back.meta.params, 78378);
    for (const [k, t] of w) assert.deepEqual(back.weights.get(k), t, k);
    const manifest = JSON.parse(readFileSync(join(dir, 'c1', 'weights.json'), 'utf8'));
    assert.equal(manifest[0].paths[0], 'weights.bin');
    assert.equal(manifest[0].weights[0].name, 'conv1/kernel');
  });

  test('a flipped byte in weights.bin is reported, never loaded', async () => {
    const g = builtin('lenet');
    await writeCheckpoint(store, 'c2', g, initWeights(g, new Rng(2)));
    const file = join(dir, 'c2', 'weights.bin');
    const bytes = readFileSync(file);
    bytes[1234] ^= 0x01;
    writeFileSync(file, bytes);
    await rejectsWith(readCheckpoint(store, 'c2'), 'integrity', /c2\/weights\.bin is damaged: sha256/);
  });

  test('a damaged graph.json is reported too', async () => {
    const g = builtin('mlp');
    await writeCheckpoint(store, 'c3', g, initWeights(g, new Rng(3)));
    const file = join(dir, 'c3', 'graph.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"units": 256', '"units": 257'));
    await rejectsWith(readCheckpoint(store, 'c3'), 'integrity', /graph\.json is damaged/);
  });

  test('a checkpoint whose meta.json was never written reads as missing', async () => {
    const g = builtin('mlp');
    await writeCheckpoint(store, 'c4', g, initWeights(g, new Rng(4)));
    rmSync(join(dir, 'c4', 'meta.json'));
    await rejectsWith(readCheckpoint(store, 'c4'), 'missing', /meta\.json is missing/);
  });

  test('rewriting a checkpoint in place keeps it readable and consistent', async () => {
    const g = builtin('lenet');
    await writeCheckpoint(store, 'c5', g, initWeights(g, new Rng(5)));
    const w2 = initWeights(g, new Rng(6));
    await writeCheckpoint(store, 'c5', g, w2);
    assert.deepEqual((await readCheckpoint(store, 'c5')).weights.get('fc1/kernel'), w2.get('fc1/kernel'));
  });
});

describe('LayersModel export', () => {
  test('stock loadLayersModel opens the export (over HTTP) and computes the same outputs', async () => {
    const g = builtin('seed-teacher');
    const w = initWeights(g, new Rng(7));
    await exportLayersModel(store, 'export1', g, w);
    const server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(dir, 'export1', (req.url ?? '/').slice(1))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const loaded = await tfl.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      const r = new Rng(8);
      const x = Float32Array.from({ length: 2 * 784 }, () => r.normal());
      const a = predict(buildModel(g, w), x, 2, [28, 28, 1]);
      const b = predict(loaded, x, 2, [28, 28, 1]);
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
    } finally {
      server.close();
    }
  });
});
