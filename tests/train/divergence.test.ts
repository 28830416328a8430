/**
 * Divergence: an absurd learning rate ends the run within the first epoch with a structured
 * `diverged` result (epoch, step, reason, loss tail, last good checkpoint) in result.json,
 * and the loss that blew up in train.csv.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { readLineage, readTrainCsv } from '../../src/log';
import { openStore } from '../../src/storage';
import { runTraining } from '../../src/train/run';
import { TrainResult } from '../../src/contracts/train';
import { patternData, startCheckpoint, tempDir } from './fixtures';
import { useTestBackend } from '../support/backend';

before(async () => {
  await useTestBackend();
});

test('an absurd learning rate is reported as diverged within the first epoch', async () => {
  const dir = tempDir('diverge');
  const start = await startCheckpoint(dir);
  const output = join(dir, 'run');
  const result = await runTraining(
    {
      runId: 'diverge',
      checkpoint: start,
      output,
      epochs: 5,
      batchSize: 16,
      optimizer: { kind: 'sgd', lr: 1e6, momentum: 0.9 },
    },
    { data: patternData(), log: () => {} },
  );
  const stepsPerEpoch = 256 / 16;
  assert.equal(result.status, 'diverged');
  assert.equal(result.epochsRun, 0);
  assert.equal(result.checkpoint, null);
  const d = result.diverged!;
  assert.equal(d.epoch, 1);
  assert.ok(d.step >= 1 && d.step < stepsPerEpoch, `diverged at step ${d.step} of ${stepsPerEpoch}`);
  assert.match(d.reason, /loss is (NaN|Infinity)|exceeds/);
  assert.ok(d.lossTail.length >= 1 && d.lossTail.length <= d.step);
  assert.equal(d.lastGoodCheckpoint, start, 'nothing better than the start checkpoint');

  const store = openStore(output);
  assert.deepEqual(TrainResult.parse(JSON.parse(await store.getText('result.json'))), result);
  const last = (await readTrainCsv(store, 'train.csv')).at(-1)!;
  assert.equal(last.step, d.step);
  assert.ok(!Number.isFinite(last.loss) || last.loss > 10, `the exploded loss is logged: ${last.loss}`);
  const events = (await readLineage(store, 'lineage.jsonl')).events.map((e) =>
    e.type === 'training' ? e.status : e.type,
  );
  assert.deepEqual(events, ['started', 'diverged']);
});

test('a loss explosion after a good epoch names that epoch as the last good checkpoint', async () => {
  const dir = tempDir('diverge-late');
  const output = join(dir, 'run');
  const common = { runId: 'late', checkpoint: await startCheckpoint(dir), output, batchSize: 16 };
  await runTraining(
    { ...common, epochs: 1, optimizer: { kind: 'sgd', lr: 0.01 } },
    { data: patternData(), log: () => {} },
  );
  // A retry with an absurd rate resumes from epoch 1 (same fingerprint) and blows up in epoch 2.
  const r = await runTraining(
    { ...common, epochs: 3, optimizer: { kind: 'sgd', lr: 1e6 } },
    { data: patternData(), log: () => {} },
  );
  assert.equal(r.status, 'diverged');
  assert.equal(r.diverged!.epoch, 2);
  assert.match(r.diverged!.lastGoodCheckpoint!, /\/run\/epochs\/1$/);
});
