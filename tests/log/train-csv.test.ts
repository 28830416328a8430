import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogError, openTrainCsv, parseTrainCsv, readTrainCsv, TrainRowInput } from '../../src/log';
import { tempStore } from './stores';

const KEY = 'experiments/e1/candidates/c1/runs/r1/train.csv';

function epochRow(epoch: number, stepsPerEpoch = 100): TrainRowInput {
  return {
    epoch,
    step: epoch * stepsPerEpoch,
    loss: 1 / epoch,
    acc: 0.5 + epoch / 100,
    valLoss: 1.1 / epoch,
    valAcc: 0.45 + epoch / 100,
    lr: 0.05,
    seconds: 12.5,
    samplesPerSec: 512.25,
  };
}

test('train.csv round-trips exactly, with step rows marked and missing validation left empty', async () => {
  const { store } = await tempStore();
  const csv = await openTrainCsv(store, KEY);
  csv.add({
    kind: 'step',
    epoch: 1,
    step: 50,
    loss: 2.302585092994046,
    acc: 0.1,
    lr: 0.05,
    seconds: 3.2,
    samplesPerSec: 1000,
  });
  csv.add(epochRow(1));
  csv.add({ ...epochRow(2), loss: NaN, valLoss: Infinity, valAcc: null });
  await csv.flush();

  const text = await store.getText(KEY);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'epoch,step,loss,acc,val_loss,val_acc,lr,seconds,samples_per_sec,kind');
  assert.equal(lines[1], '1,50,2.302585092994046,0.1,,,0.05,3.2,1000,step');
  assert.equal(lines[3], '2,200,nan,0.52,inf,,0.05,12.5,512.25,epoch');

  const back = await readTrainCsv(store, KEY);
  assert.deepEqual(back, csv.rows);
  assert.equal(back[0].valLoss, null);
  assert.ok(Number.isNaN(back[2].loss));
  assert.equal(back[2].valLoss, Infinity);
});

test('resumeAfterEpoch keeps rows up to that epoch, drops the crashed tail, and continues the same file', async () => {
  const { store } = await tempStore();
  const first = await openTrainCsv(store, KEY);
  for (let e = 1; e <= 5; e++) {
    first.add({ ...epochRow(e), kind: 'step', step: e * 100 - 50, valLoss: null, valAcc: null });
    first.add(epochRow(e));
  }
  await first.flush();

  // The process crashed after epoch 5 but the last checkpoint is epoch 3.
  const resumed = await openTrainCsv(store, KEY, { resumeAfterEpoch: 3 });
  assert.deepEqual(
    resumed.rows.map((r) => [r.kind, r.epoch]),
    [
      ['step', 1],
      ['epoch', 1],
      ['step', 2],
      ['epoch', 2],
      ['step', 3],
      ['epoch', 3],
    ],
  );
  for (let e = 4; e <= 6; e++) resumed.add({ ...epochRow(e), loss: 10 + e });
  await resumed.flush();

  const rows = await readTrainCsv(store, KEY);
  assert.deepEqual(
    rows.filter((r) => r.kind === 'epoch').map((r) => [r.epoch, r.loss]),
    [
      [1, 1],
      [2, 0.5],
      [3, 1 / 3],
      [4, 14],
      [5, 15],
      [6, 16],
    ],
  );
});

test('resuming without an existing file starts empty; a fresh open replaces the old table', async () => {
  const { store } = await tempStore();
  const resumed = await openTrainCsv(store, KEY, { resumeAfterEpoch: 2 });
  assert.equal(resumed.rows.length, 0);
  resumed.add(epochRow(3));
  await resumed.flush();
  const fresh = await openTrainCsv(store, KEY);
  fresh.add(epochRow(1));
  await fresh.flush();
  assert.deepEqual(
    (await readTrainCsv(store, KEY)).map((r) => r.epoch),
    [1],
  );
});

test('a duplicate or backwards row is refused with the resume hint', async () => {
  const csv = await openTrainCsv((await tempStore()).store, KEY);
  csv.add(epochRow(1));
  csv.add(epochRow(2));
  assert.throws(
    () => csv.add(epochRow(2)),
    (e: unknown) =>
      e instanceof LogError && /epoch 2 already has a row; resume with resumeAfterEpoch=1/.test(e.message),
  );
  assert.throws(() => csv.add(epochRow(1)), /comes after epoch 2 step 200/);
  assert.throws(() => csv.add({ ...epochRow(3), lr: -1 }), /bad row, lr:/);
});

test('the parser names the line and column of bad input', () => {
  const header = 'epoch,step,loss,acc,val_loss,val_acc,lr,seconds,samples_per_sec';
  assert.equal(parseTrainCsv(`${header}\n1,10,0.5,0.9,,,0.1,1,100\n`)[0].kind, 'epoch');
  assert.throws(
    () => parseTrainCsv('epoch,step\n1,2\n', 'r/train.csv'),
    /r\/train.csv: header lacks column\(s\) loss, acc/,
  );
  assert.throws(
    () => parseTrainCsv(`${header}\n1,10,abc,0.9,,,0.1,1,100\n`),
    /line 2 column loss: expected a number, found "abc"/,
  );
  assert.throws(() => parseTrainCsv(`${header}\n1,10,0.5\n`), /line 2: 3 cells, the header has 9/);
  assert.throws(() => parseTrainCsv(`${header}\n0,10,0.5,0.9,,,0.1,1,100\n`), /line 2 field epoch/);
  assert.deepEqual(parseTrainCsv(''), []);
});
