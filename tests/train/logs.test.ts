/**
 * A run's logs parse and match the run: train.csv rows equal result.json's metrics, the
 * lineage events bracket the run, and TensorBoard's own reader (EventAccumulator) sees every
 * CSV value at the right step plus the model summary text.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { readLineage, readTrainCsv } from '../../src/log';
import { openStore } from '../../src/storage';
import { runTraining } from '../../src/train/run';
import { lines, patternData, startCheckpoint, tempDir } from './fixtures';
import { useTestBackend } from '../support/backend';

const ROOT = resolve(__dirname, '../..');
const PYTHON = join(ROOT, '.tools/venv/bin/python');
const READER = join(ROOT, 'tests/log/read_tfevents.py');

before(async () => {
  await useTestBackend();
});

interface PyRun {
  scalars: Record<string, { step: number; value: number | string }[]>;
  texts: Record<string, { step: number; text: string[] }[]>;
}

test('train.csv, lineage.jsonl and the event file match the run', async () => {
  const dir = tempDir('logs');
  const output = join(dir, 'run');
  const out = lines();
  const result = await runTraining(
    {
      runId: 'logs',
      checkpoint: await startCheckpoint(dir),
      output,
      epochs: 3,
      batchSize: 32,
      logEverySteps: 3,
      schedule: { kind: 'step', every: 2, factor: 0.5 },
    },
    { data: patternData(), log: out.log },
  );
  const store = openStore(output);

  const rows = await readTrainCsv(store, 'train.csv');
  const epochs = rows.filter((r) => r.kind === 'epoch');
  assert.deepEqual(
    epochs.map((r) => [r.epoch, r.step]),
    [
      [1, 8],
      [2, 16],
      [3, 24],
    ],
  );
  assert.deepEqual(
    epochs.map((r) => r.lr),
    [0.05, 0.05, 0.025],
  );
  const last = epochs.at(-1)!;
  assert.deepEqual(result.final, {
    loss: last.loss,
    acc: last.acc,
    valLoss: last.valLoss,
    valAcc: last.valAcc,
  });
  assert.deepEqual(
    rows.filter((r) => r.kind === 'step').map((r) => r.step),
    [3, 6, 9, 12, 15, 18, 21, 24],
  );
  assert.ok(rows.every((r) => r.seconds >= 0 && r.samplesPerSec > 0));

  const lineage = (await readLineage(store, 'lineage.jsonl')).events;
  assert.deepEqual(
    lineage.map((e) => e.type === 'training' && e.status),
    ['started', 'completed'],
  );
  const done = lineage[1];
  assert.ok(done.type === 'training');
  assert.equal(done.epochs, 3);
  assert.deepEqual(done.metrics, {
    loss: last.loss,
    acc: last.acc,
    val_loss: last.valLoss,
    val_acc: last.valAcc,
    test_loss: result.test!.loss,
    test_acc: result.test!.acc,
  });

  // Console: the model summary first, then one line per epoch.
  assert.match(
    out.all.find((l) => l.includes('total ('))!,
    /1,148/,
  );
  assert.equal(out.all.filter((l) => /^epoch [1-3]\/3 /.test(l)).length, 3);

  assert.ok(existsSync(PYTHON), `TensorBoard's reader is missing (${PYTHON}); run bash scripts/setup.sh`);
  const { stdout } = await promisify(execFile)(PYTHON, [READER, output], { timeout: 120_000 });
  const tb = JSON.parse(stdout) as PyRun;
  const series = (tag: string) => tb.scalars[tag].map((e) => [e.step, e.value]);
  const f32 = (x: number | null) => Math.fround(x!);
  assert.deepEqual(
    series('epoch/loss'),
    epochs.map((r) => [r.step, f32(r.loss)]),
  );
  assert.deepEqual(
    series('epoch/val_acc'),
    epochs.map((r) => [r.step, f32(r.valAcc)]),
  );
  assert.deepEqual(
    series('epoch/lr'),
    epochs.map((r) => [r.step, f32(r.lr)]),
  );
  const steps = rows.filter((r) => r.kind === 'step');
  assert.deepEqual(
    series('batch/loss'),
    steps.map((r) => [r.step, f32(r.loss)]),
  );
  const summary = tb.texts['model/summary'];
  assert.equal(summary.length, 1);
  assert.match(summary[0].text[0], /conv1\s+conv2d\s+\(8, 8, 4\)\s+40/);
});
