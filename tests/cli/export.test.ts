/**
 * `netgrow export`: an experiment's best candidate (its trained weights when a run left them),
 * a named candidate, or a checkpoint folder, written in each format; bad requests are one-line
 * usage errors. The formats' own round trips through their runtimes are in
 * tests/model/export-formats.test.ts; here the files must be exactly what the exporters make
 * of the checkpoint the command chose.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../../src/cli/export';
import { exitCodeOf } from '../../src/contracts/errors';
import { initWeights, Rng } from '../../src/graph';
import { decodeOnnxModel } from '../../src/model/onnx-proto';
import { encodeOnnx, readCheckpoint, writeCheckpoint } from '../../src/model';
import { FileStore } from '../../src/storage/file-store';
import { writeFixture } from '../report/fixture';

const dir = mkdtempSync(join(tmpdir(), 'netgrow-export-cli-'));
const store = new FileStore(dir);
const PREFIX = 'experiments/e1';

async function exportCli(...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const { log } = console;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  try {
    return { code: await run(args), out: out.join('\n') };
  } finally {
    console.log = log;
  }
}

describe('netgrow export', () => {
  before(async () => {
    await writeFixture(store, PREFIX);
    // c3 (the best) left trained weights: point its run's result at a checkpoint of them.
    const c3 = await readCheckpoint(store, `${PREFIX}/candidates/c3`);
    const final = `${PREFIX}/candidates/c3/runs/r1/final`;
    await writeCheckpoint(store, final, c3.graph, initWeights(c3.graph, new Rng(99)));
    const resultKey = `${PREFIX}/candidates/c3/runs/r1/result.json`;
    const result = JSON.parse(await store.getText(resultKey)) as Record<string, unknown>;
    await store.put(resultKey, JSON.stringify({ ...result, checkpoint: `${store.uri}/${final}` }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the best candidate, as ONNX: the trained weights of its best run', async () => {
    const out = join(dir, 'out-best');
    const r = await exportCli('e1', '--storage', store.uri, '--format', 'onnx', '--out', out, '--json');
    assert.equal(r.code, 0);
    const said = JSON.parse(r.out) as { candidate: string; trained: boolean; files: string[] };
    assert.equal(said.candidate, 'c3');
    assert.equal(said.trained, true);
    const trained = await readCheckpoint(store, `${PREFIX}/candidates/c3/runs/r1/final`);
    const bytes = readFileSync(join(out, 'model.onnx'));
    assert.deepEqual(new Uint8Array(bytes), new Uint8Array(encodeOnnx(trained.graph, trained.weights)));
    assert.equal(decodeOnnxModel(bytes).graph.input[0].name, 'input');
  });

  test('a named candidate without trained weights, as Keras, says so', async () => {
    const out = join(dir, 'out-c4');
    const r = await exportCli(
      'e1',
      '--storage',
      store.uri,
      '--candidate',
      'c4',
      '--format',
      'keras',
      '--out',
      out,
    );
    assert.equal(r.code, 0);
    assert.match(r.out, /candidate c4 of e1 as keras: .*model\.keras/);
    assert.match(r.out, /c4 has no trained run/);
    assert.ok(existsSync(join(out, 'model.keras')));
  });

  test('a checkpoint folder, as tfjs', async () => {
    const out = join(dir, 'out-ckpt');
    const r = await exportCli(join(dir, PREFIX, 'candidates', 'c1'), '--format', 'tfjs', '--out', out);
    assert.equal(r.code, 0);
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { format: string };
    assert.equal(model.format, 'layers-model');
    assert.ok(existsSync(join(out, 'group1-shard1of1.bin')));
  });

  test('bad requests are input errors (exit 2) that name the problem', async () => {
    const usage = (code: string) => (e: unknown) =>
      exitCodeOf(e) === 2 && (e as Error).message.includes(code);
    const base = ['--storage', store.uri, '--out', join(dir, 'never')];
    await assert.rejects(exportCli('e1', ...base, '--format', 'pt'), usage("unknown export format 'pt'"));
    await assert.rejects(exportCli('e1', ...base), usage('--format and --out are required'));
    await assert.rejects(
      exportCli('e1', ...base, '--format', 'onnx', '--candidate', 'c9'),
      usage("no candidate 'c9'; it has c3, c4"),
    );
    await assert.rejects(
      exportCli(
        join(dir, PREFIX, 'candidates', 'c1'),
        '--format',
        'onnx',
        '--out',
        join(dir, 'x'),
        '--candidate',
        'c1',
      ),
      usage('--candidate picks a candidate of an experiment'),
    );
    assert.ok(!existsSync(join(dir, 'never')));
  });
});
