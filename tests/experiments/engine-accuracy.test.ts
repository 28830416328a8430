/**
 * The engine-accuracy driver at test size: LeNet seed for seed on the graph engine and on tfjs
 * eager, on a tiny synthetic dataset. The same initial weights and batches: the first epoch's
 * loss agrees closely, and both runs of a seed say which engine trained them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUPS, runEngineAccuracy } from '../../experiments/engine-accuracy';
import { readResultFile } from '../../src/train/result-file';
import { openStore } from '../../src/storage';
import { checkSummary, needsGraphEngine, tempPlace, TINY_DATA } from './support';

test(
  'engine-accuracy driver: the same runs on the graph engine and on tfjs eager, seed for seed',
  { skip: needsGraphEngine() },
  async (t) => {
    const { out, results } = await tempPlace('engine', t);
    const r = await runEngineAccuracy(
      [...TINY_DATA, '--set', 'seeds=2', '--set', 'epochs=2', '--out', out, '--results', results],
      () => {},
    );
    const s = checkSummary(r, results, GROUPS, 2);
    const [graph, eager] = GROUPS.map((g) => s.runs.filter((x) => x.group === g));
    for (let i = 0; i < 2; i++) {
      const [g, e] = await Promise.all([graph[i], eager[i]].map((x) => readResultFile(openStore(x.output))));
      assert.equal(g?.backend?.name, 'graph', JSON.stringify(g?.backend));
      assert.notEqual(e?.backend?.name, 'graph', JSON.stringify(e?.backend));
      const [lg, le] = [graph[i].curve[0].loss, eager[i].curve[0].loss];
      assert.ok(Math.abs(lg - le) < 1e-3, `seed ${i + 1}: first-epoch loss ${lg} (graph) vs ${le} (eager)`);
    }
    assert.match(
      s.notes.join('\n'),
      /whole-run wall time, tfjs eager \(\w+\) ÷ graph engine, seed for seed: /,
    );
  },
);
