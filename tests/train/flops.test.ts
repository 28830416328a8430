/**
 * FLOP accounting against hand counts: forward and training FLOPs per sample of mlp and lenet,
 * a run's `trainFlops` (samples seen × training FLOPs per sample, across a pause and resume)
 * in result.json and its lineage event, and a lineage's total over its ancestors in the report.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { builtin, countFlops } from '../../src/graph';
import { readLineage } from '../../src/log';
import { openStore } from '../../src/storage';
import { runTraining } from '../../src/train/run';
import { TrainResult } from '../../src/contracts/train';
import { CandidateData } from '../../src/report/collect';
import { experimentTotals, lineageFlops, standingOf } from '../../src/report/standing';
import { lines, patternData, tempDir } from './fixtures';
import { useTestBackend } from '../support/backend';

before(async () => {
  await useTestBackend();
});

describe('FLOPs per sample, by hand', () => {
  test('mlp on 28x28x1: 784·256 + 256·128 + 128·10 multiply-adds; ×2 forward, ×6 training', () => {
    const macs = 784 * 256 + 256 * 128 + 128 * 10; // 234,752
    const f = countFlops(builtin('mlp'));
    assert.equal(f.macs, 234752);
    assert.equal(f.macs, macs);
    assert.equal(f.forwardFlops, 469504);
    assert.equal(f.trainFlops, 1408512);
  });

  test('lenet on 28x28x1: conv 28·28·6·25, conv 10·10·16·150, fc 400·120, 120·84, 84·10', () => {
    const macs = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10; // 416,520
    const f = countFlops(builtin('lenet'));
    assert.equal(f.macs, 416520);
    assert.equal(f.macs, macs);
    assert.equal(f.forwardFlops, 833040);
    assert.equal(f.trainFlops, 2499120);
  });
});

describe("a run's training FLOPs", () => {
  test('mlp on 8x8x1 patterns, 256 rows × 3 epochs, paused after 1 and resumed: 768 samples × 6 × 49,664', async () => {
    // 64·256 + 256·128 + 128·4 multiply-adds per sample on an 8x8x1 input with 4 classes.
    const perSample = 6 * (64 * 256 + 256 * 128 + 128 * 4);
    const dir = tempDir('flops');
    const output = join(dir, 'run');
    const spec = {
      runId: 'flops',
      checkpoint: 'builtin:mlp',
      output,
      epochs: 3,
      batchSize: 48, // 256 rows: 5 batches of 48 and one of 16 per epoch
    };
    const data = patternData();
    const paused = await runTraining({ ...spec, pauseAfterEpoch: 1 }, { data, log: lines().log });
    assert.equal(paused.status, 'stopped');
    assert.equal(paused.trainFlops, 256 * perSample);
    const done = await runTraining(spec, { data, log: lines().log });
    assert.equal(done.status, 'completed');
    assert.equal(done.trainFlops, 3 * 256 * perSample);
    assert.equal(done.trainFlops, 228851712); // 768 × 297,984
    const stored = TrainResult.parse(JSON.parse(await openStore(output).getText('result.json')));
    assert.equal(stored.trainFlops, done.trainFlops);
    const { events } = await readLineage(openStore(output), 'lineage.jsonl');
    const closing = events.filter((e) => e.type === 'training' && e.status !== 'started');
    assert.deepEqual(
      closing.map((e) => e.type === 'training' && [e.status, e.trainFlops]),
      [
        ['stopped', 256 * perSample],
        ['completed', 768 * perSample],
      ],
    );
  });
});

describe("a lineage's training FLOPs in the report", () => {
  const result = (trainFlops?: number): TrainResult => ({
    format: 'netgrow.trainresult/v1',
    runId: 'r',
    status: 'completed',
    epochsRun: 2,
    steps: 20,
    final: null,
    best: null,
    test: null,
    wallSeconds: 10,
    checkpoint: null,
    resumedFromEpoch: null,
    diverged: null,
    ...(trainFlops !== undefined && { trainFlops }),
  });
  const cand = (id: string, parent: string | null, flops: Array<number | undefined>): CandidateData => ({
    id,
    meta: null,
    parent,
    operation: null,
    ops: [],
    generation: null,
    params: null,
    runs: flops.map((f, i) => ({
      runId: `${id}-a${i + 1}`,
      rows: [],
      result: result(f),
      lineageStatus: null,
      wallSeconds: 10,
    })),
  });

  test('own runs plus every ancestor, retries included; a run without a count adds nothing', () => {
    const candidates = [
      cand('g0-c0', null, [1e9, 5e8]), // a diverged first attempt, then its retry
      cand('g1-c0', 'g0-c0', [2e9]),
      cand('g2-c0', 'g1-c0', [3e9, undefined]),
      cand('g1-c1', 'g0-c0', [undefined]),
      cand('other', 'file:///elsewhere/checkpoint', [4e9]),
    ];
    const standings = candidates.map(standingOf);
    assert.deepEqual(
      standings.map((s) => s.trainFlops),
      [1.5e9, 2e9, 3e9, null, 4e9],
    );
    assert.deepEqual(Object.fromEntries(lineageFlops(standings)), {
      'g0-c0': 1.5e9,
      'g1-c0': 3.5e9,
      'g2-c0': 6.5e9,
      'g1-c1': 1.5e9,
      other: 4e9,
    });
    const totals = experimentTotals(
      {
        id: 'e',
        prefix: 'e',
        storeUri: 'file:///x',
        config: null,
        configText: null,
        candidates,
        lineage: [],
        notes: [],
      },
      standings,
    );
    assert.equal(totals.trainFlops, 10.5e9);
  });
});
