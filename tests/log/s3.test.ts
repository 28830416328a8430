/**
 * The log writers on S3 (a real SeaweedFS on loopback): no append there, so train.csv and event
 * files are whole-object puts and lineage.jsonl is read-modify-write; resume must work the same.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  appendLineage,
  decodeEventFile,
  listEventFiles,
  openEventWriter,
  openTrainCsv,
  readLineage,
  readRunEvents,
  readTrainCsv,
} from '../../src/log';
import { ArtifactStore, openStore } from '../../src/storage';
import { startSeaweed, type SeaweedServer } from '../support/seaweed';

let server: SeaweedServer;
let store: ArtifactStore;

before(async () => {
  server = await startSeaweed();
  const { endpoint, region, accessKeyId, secretAccessKey } = server;
  store = openStore('s3://netgrow-log-test/exp', {
    endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey },
    createBucket: true,
  });
});
after(async () => {
  await server?.stop();
});

const RUN = 'experiments/e1/candidates/c1/runs/r1';
const row = (epoch: number, loss: number) => ({
  epoch,
  step: epoch * 10,
  loss,
  acc: 0.5,
  lr: 0.1,
  seconds: 1,
  samplesPerSec: 100,
});

test('s3: train.csv and event files resume without duplicates', async () => {
  const csv = await openTrainCsv(store, `${RUN}/train.csv`);
  const events = await openEventWriter(store, RUN, { host: 'a', clock: () => 1_700_000_000 });
  for (let e = 1; e <= 4; e++) {
    csv.add(row(e, e));
    events.addRow(csv.rows.at(-1)!, 1_700_000_000 + e);
    await csv.flush();
    await events.flush();
  }

  const csv2 = await openTrainCsv(store, `${RUN}/train.csv`, { resumeAfterEpoch: 2 });
  const events2 = await openEventWriter(store, RUN, {
    host: 'b',
    clock: () => 1_700_000_100,
    resumeAfterStep: 20,
  });
  for (let e = 3; e <= 5; e++) {
    csv2.add(row(e, 10 * e));
    events2.addRow(csv2.rows.at(-1)!, 1_700_000_100 + e);
  }
  await csv2.flush();
  await events2.flush();

  assert.deepEqual(
    (await readTrainCsv(store, `${RUN}/train.csv`)).map((r) => [r.epoch, r.loss]),
    [
      [1, 1],
      [2, 2],
      [3, 30],
      [4, 40],
      [5, 50],
    ],
  );
  assert.deepEqual(await listEventFiles(store, RUN), [events.key, events2.key]);
  assert.deepEqual(Buffer.from(await store.get(events2.key)), Buffer.from(events2.contents()));
  assert.equal(decodeEventFile(await store.get(events.key)).tornBytes, 0);
  const losses = (await readRunEvents(store, RUN)).flatMap((r) =>
    r.kind === 'scalar' && r.tag === 'epoch/loss' ? [[r.step, r.value]] : [],
  );
  assert.deepEqual(losses, [
    [10, 1],
    [20, 2],
    [30, 30],
    [40, 40],
    [50, 50],
  ]);
});

test('s3: lineage appends accumulate and read back', async () => {
  const key = 'experiments/e1/lineage.jsonl';
  for (let g = 0; g < 3; g++)
    await appendLineage(store, key, { type: 'generation', generation: g, status: 'started' });
  const log = await readLineage(store, key);
  assert.deepEqual(
    log.events.map((e) => e.type === 'generation' && e.generation),
    [0, 1, 2],
  );
  assert.deepEqual(log.torn, []);
});
