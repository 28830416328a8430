/**
 * Resume: a run stopped mid-epoch (abort → `interrupted/` checkpoint) or cut off after an epoch
 * checkpoint continues to exactly the metrics and weights of an uninterrupted run. On one
 * backend the replay is bit for bit (same batches, optimizer state, schedule, RNG); the stated
 * tolerance is 1e-6 absolute on every metric.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { readCheckpoint } from '../../src/model';
import { openStore } from '../../src/storage';
import { readTrainCsv } from '../../src/log';
import { runTraining } from '../../src/train/run';
import { TrainSpecInput } from '../../src/contracts/train';
import { assertSameRun, lines, patternData, startCheckpoint, tempDir } from './fixtures';
import { useTestBackend } from '../support/backend';

before(async () => {
  await useTestBackend();
});

const spec = (start: string, output: string): TrainSpecInput => ({
  runId: 'resume',
  checkpoint: start,
  output,
  epochs: 3,
  batchSize: 16,
  logEverySteps: 3,
  optimizer: { kind: 'adam', lr: 0.01 },
  schedule: { kind: 'cosine' },
  l2: 1e-4,
  clipNorm: 5,
});

async function epochRows(output: string) {
  return (await readTrainCsv(openStore(output), 'train.csv')).filter((r) => r.kind === 'epoch');
}

describe('resume', () => {
  test('stopped mid-epoch, resumed: same metrics, CSV rows and weights as one uninterrupted run', async () => {
    const dir = tempDir('resume');
    const start = await startCheckpoint(dir);
    const quiet = lines();
    const whole = await runTraining(spec(start, join(dir, 'whole')), { data: patternData(), log: quiet.log });

    const output = join(dir, 'parts');
    const stop = new AbortController();
    const first = await runTraining(spec(start, output), {
      data: patternData(),
      log: quiet.log,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.step >= 21) stop.abort(); // epoch 2 of 16 steps each: mid-epoch
      },
    });
    assert.equal(first.status, 'stopped');
    assert.equal(first.epochsRun, 1);
    assert.match(first.checkpoint!, /interrupted$/);
    const second = await runTraining(spec(start, output), { data: patternData(), log: quiet.log });
    assert.equal(second.resumedFromEpoch, 1);
    assertSameRun(whole, second);
    assert.ok(quiet.all.some((l) => /^resuming resume from .*interrupted \(epoch 1, step 21\)/.test(l)));

    const rowsA = await epochRows(join(dir, 'whole'));
    const rowsB = await epochRows(output);
    assert.deepEqual(
      rowsB.map((r) => [r.epoch, r.step, r.loss, r.acc, r.valLoss, r.valAcc, r.lr]),
      rowsA.map((r) => [r.epoch, r.step, r.loss, r.acc, r.valLoss, r.valAcc, r.lr]),
    );
    const stepsB = (await readTrainCsv(openStore(output), 'train.csv'))
      .filter((r) => r.kind === 'step')
      .map((r) => r.step);
    assert.deepEqual(
      stepsB,
      [...new Set(stepsB)].sort((x, y) => x - y),
      'no duplicated step rows after the resume',
    );

    // Only the newest keepCheckpoints (2) epoch checkpoints stay; the mid-epoch one is gone.
    const kept = new Set((await openStore(output).list('')).map((k) => k.split('/').slice(0, 2).join('/')));
    assert.deepEqual([...kept].filter((k) => /^(epochs|interrupted)/.test(k)).sort(), [
      'epochs/2',
      'epochs/3',
    ]);

    const wa = await readCheckpoint(openStore(join(dir, 'whole', 'final')), '');
    const wb = await readCheckpoint(openStore(join(output, 'final')), '');
    for (const [k, t] of wa.weights) assert.deepEqual(wb.weights.get(k)!.data, t.data, k);
  });

  test('cut off after an epoch checkpoint (no interrupted/): resumes from the last complete epoch', async () => {
    const dir = tempDir('resume-epoch');
    const start = await startCheckpoint(dir);
    const quiet = lines();
    const output = join(dir, 'run');
    const whole = await runTraining(spec(start, output), { data: patternData(), log: quiet.log });
    // What a SIGKILL during epoch 3 leaves: epochs 1-2 complete, epoch 3's half-written files.
    rmSync(join(output, 'epochs', '3', 'meta.json'));
    rmSync(join(output, 'final'), { recursive: true });
    rmSync(join(output, 'result.json'));
    const again = await runTraining(spec(start, output), { data: patternData(), log: quiet.log });
    assert.equal(again.resumedFromEpoch, 2);
    assertSameRun(whole, again);
    assert.deepEqual(
      (await epochRows(output)).map((r) => r.epoch),
      [1, 2, 3],
    );
  });

  test('resume with a changed batch size is refused with a sentence', async () => {
    const dir = tempDir('resume-refused');
    const start = await startCheckpoint(dir);
    const output = join(dir, 'run');
    await runTraining({ ...spec(start, output), epochs: 1 }, { data: patternData(), log: () => {} });
    await assert.rejects(
      runTraining(
        { ...spec(start, output), epochs: 2, batchSize: 32 },
        { data: patternData(), log: () => {} },
      ),
      /cannot resume .*batchSize 16, the spec gives 32/,
    );
  });
});
