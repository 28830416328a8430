/**
 * pauseAfterEpoch (a search's early-stop rung): the run ends `stopped` with the epoch's
 * checkpoint and that epoch's validation; the same spec without the pause resumes it to the
 * metrics and weights of one uninterrupted run; a retry of the paused call pauses again
 * instead of training on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { readCheckpoint } from '../../src/model';
import { readTrainCsv } from '../../src/log';
import { openStore } from '../../src/storage';
import { runTraining } from '../../src/train/run';
import { TrainSpecInput } from '../../src/contracts/train';
import { assertSameRun, lines, patternData, startCheckpoint, tempDir } from './fixtures';
import { useTestBackend } from '../support/backend';

before(async () => {
  await useTestBackend();
});

const spec = (start: string, output: string, pauseAfterEpoch = 0): TrainSpecInput => ({
  runId: 'pause',
  checkpoint: start,
  output,
  epochs: 3,
  batchSize: 16,
  logEverySteps: 3,
  optimizer: { kind: 'adam', lr: 0.01 },
  schedule: { kind: 'cosine' },
  pauseAfterEpoch,
});

describe('pause after an epoch', () => {
  test('paused at epoch 1, resumed without the pause: the uninterrupted run', async () => {
    const dir = tempDir('pause');
    const start = await startCheckpoint(dir);
    const quiet = lines();
    const whole = await runTraining(spec(start, join(dir, 'whole')), { data: patternData(), log: quiet.log });

    const output = join(dir, 'parts');
    const paused = await runTraining(spec(start, output, 1), { data: patternData(), log: quiet.log });
    assert.equal(paused.status, 'stopped');
    assert.equal(paused.epochsRun, 1);
    assert.match(paused.checkpoint!, /epochs\/1$/);
    assert.equal(paused.final?.valAcc, await firstEpochValAcc(join(dir, 'whole')), "epoch 1's validation");

    // A retry of the paused call (its result lost) resumes from epochs/1 and pauses again.
    const again = await runTraining(spec(start, output, 1), { data: patternData(), log: quiet.log });
    assert.equal(again.status, 'stopped');
    assert.equal(again.epochsRun, 1);
    assert.equal(again.resumedFromEpoch, 1);

    const rest = await runTraining(spec(start, output), { data: patternData(), log: quiet.log });
    assert.equal(rest.status, 'completed');
    assert.equal(rest.resumedFromEpoch, 1);
    assertSameRun(whole, rest);
    const wa = await readCheckpoint(openStore(join(dir, 'whole', 'final')), '');
    const wb = await readCheckpoint(openStore(join(output, 'final')), '');
    for (const [k, t] of wa.weights) assert.deepEqual(wb.weights.get(k)!.data, t.data, k);
  });
});

async function firstEpochValAcc(output: string): Promise<number | null> {
  const rows = (await readTrainCsv(openStore(output), 'train.csv')).filter((r) => r.kind === 'epoch');
  return rows[0].valAcc;
}
