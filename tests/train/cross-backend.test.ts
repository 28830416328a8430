/**
 * A checkpoint written on one backend resumes on the other: cpu (the reference) and the native
 * `tensorflow` backend, both ways. The resumed epoch must give the same loss as resuming on the
 * backend that wrote it, to the stated tolerance: 1e-5 absolute on train and validation loss
 * (float32 kernels that sum in different orders, 16 Adam steps). Skipped, with the reason,
 * where scripts/build-native.sh could not build the native backend.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { loadNative } from '../../src/backend/native';
import { tf } from '../../src/model';
import { runTraining } from '../../src/train/run';
import { TrainResult, TrainSpecInput } from '../../src/contracts/train';
import { lines, patternData, startCheckpoint, tempDir } from './fixtures';
import { skipWhen } from '../support/skip';

const LOSS_TOLERANCE = 1e-5;
const native = loadNative();
const skip = skipWhen('no-native', 'why' in native ? native.why : null);

const spec = (start: string, output: string, epochs: number): TrainSpecInput => ({
  runId: 'cross',
  checkpoint: start,
  output,
  epochs,
  batchSize: 16,
  logEverySteps: 8,
  optimizer: { kind: 'adam', lr: 0.01 },
  schedule: { kind: 'cosine' },
  l2: 1e-4,
});

async function on(backend: 'cpu' | 'tensorflow', f: () => Promise<TrainResult>): Promise<TrainResult> {
  if (backend === 'tensorflow') await initBackend({ prefer: 'tensorflow', log: () => undefined });
  await tf.setBackend(backend);
  return f();
}

describe('checkpoints cross backends', { skip }, () => {
  for (const [writer, reader] of [
    ['cpu', 'tensorflow'],
    ['tensorflow', 'cpu'],
  ] as const) {
    test(`written on ${writer}, resumed on ${reader}: the same loss to ${LOSS_TOLERANCE}`, async () => {
      const dir = tempDir(`cross-${writer}`);
      const start = await startCheckpoint(dir);
      const quiet = lines();
      const here = join(dir, 'here');
      const there = join(dir, 'there');
      const first = await on(writer, () =>
        runTraining(spec(start, here, 1), { data: patternData(), log: quiet.log }),
      );
      assert.equal(first.epochsRun, 1);
      cpSync(here, there, { recursive: true });
      const same = await on(writer, () =>
        runTraining(spec(start, here, 2), { data: patternData(), log: quiet.log }),
      );
      const other = await on(reader, () =>
        runTraining(spec(start, there, 2), { data: patternData(), log: quiet.log }),
      );
      for (const r of [same, other]) assert.equal(r.resumedFromEpoch, 1);
      for (const k of ['loss', 'valLoss'] as const) {
        const d = Math.abs(other.final![k]! - same.final![k]!);
        assert.ok(
          d <= LOSS_TOLERANCE,
          `${k}: ${other.final![k]} on ${reader} vs ${same.final![k]} on ${writer}`,
        );
      }
    });
  }
});
