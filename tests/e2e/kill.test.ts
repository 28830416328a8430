/**
 * A worker process SIGKILLed while a candidate trains: the trainer it started does not go on
 * unobserved (its guard stops it, and it checkpoints), Temporal notices the lost worker by
 * the missing heartbeat, a new worker takes the search over, the interrupted run resumes from
 * its checkpoint instead of epoch 0, and the search completes with every candidate trained
 * to completion exactly once.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTrainCsv } from '../../src/log/train-csv';
import { experimentRecord, writeExperimentRecord } from '../../src/experiment/experiment';
import { openStore } from '../../src/storage';
import { startSearch } from '../../src/temporal/client';
import {
  assertLineageComplete,
  candidateFiles,
  lineageOf,
  parseConfig,
  startWorkerProcess,
  tinyConfig,
  until,
  serverAndScratch,
  within,
} from './support';
import { testMarker } from '../support/marker';
import { shortHeartbeats } from '../support/short-heartbeats';

// Temporal notices the killed worker by its missing heartbeat: 20 s here, not production's minute.
shortHeartbeats();
const fx = serverAndScratch('kill');

test('SIGKILL of the worker mid-training: a new worker resumes the run from its checkpoint', async (t) => {
  const { env, dir } = fx;
  // Enough images that an epoch takes seconds (the kill lands inside epoch 2), on LeNet so
  // that its grown children stay cheap.
  const config = parseConfig(
    tinyConfig({
      name: 'kill',
      dataset: { name: 'synthetic:16x16x1:16000:4c', validation: 0.25 },
      start: { arch: 'lenet' },
      strategy: { kind: 'ga', population: 2, generations: 1 },
      // A gentle rate: LeNet learns these images in an epoch, and a spike would be a retry.
      train: { epochs: 2, batchSize: 32, optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 } },
    }),
  );
  const record = experimentRecord('search', 'kill-e2e', `file://${dir}/runs`, config);
  await writeExperimentRecord(record);
  const exp = openStore(record.experimentUri);
  const run = 'candidates/g0-c0/runs/g0-c0-a1';

  const firstLog = join(dir, 'worker1.log');
  // The workers and their trainers carry a marker of this test: only they are looked for.
  const marker = testMarker();
  const first = startWorkerProcess(env.server.address, firstLog, ['--parallelism', '2'], marker.env);
  // A failure before the kill below must not leave this worker polling a stopped server.
  t.after(() => {
    if (first.exitCode === null && first.signalCode === null) first.kill('SIGKILL');
  });
  const handle = await startSearch(env.client, {
    experimentId: record.id,
    experimentUri: record.experimentUri,
    config,
  });
  await until(
    () => exp.exists(`${run}/epochs/1/meta.json`),
    'the start model to finish epoch 1',
    120_000,
    50,
  );
  assert.equal(await exp.exists(`${run}/result.json`), false, 'still training when the worker dies');
  first.kill('SIGKILL');
  await once(first, 'exit');
  const killedAt = Date.now();
  await until(async () => marker.trainers().length === 0, 'the orphaned trainer to stop', 30_000);
  t.diagnostic(`orphaned trainer gone ${Date.now() - killedAt} ms after the kill`);

  const secondLog = join(dir, 'worker2.log');
  const second = startWorkerProcess(env.server.address, secondLog, ['--parallelism', '2'], marker.env);
  try {
    const result = await within(handle.result(), 300_000, 'the search to finish on the second worker');
    t.diagnostic(`search completed ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    assert.equal(result.reason, 'generations');
    assert.equal(result.candidates, 3);
  } finally {
    second.kill('SIGTERM');
    await once(second, 'exit');
  }

  const candidates = await candidateFiles(exp);
  assert.deepEqual(
    candidates.map((c) => c.id),
    ['g0-c0', 'g1-c0', 'g1-c1'],
  );
  for (const c of candidates) {
    assert.deepEqual(c.runs, [`${c.id}-a1`], `${c.id}: one run (${JSON.stringify(c.results)})`);
    assert.equal(c.results.length, 1);
    assert.equal(c.results[0].status, 'completed', `${c.id} trained to completion`);
  }
  const resumed = candidates[0].results[0];
  assert.equal(resumed.resumedFromEpoch, 1, 'the interrupted run resumed after epoch 1, not from epoch 0');
  assert.equal(resumed.epochsRun, 2);
  const epochs = (await readTrainCsv(exp, `${run}/train.csv`)).filter((r) => r.kind === 'epoch');
  assert.deepEqual(
    epochs.map((r) => r.epoch),
    [1, 2],
    'each epoch trained once',
  );
  for (const c of candidates.slice(1)) assert.equal(c.results[0].resumedFromEpoch, null);
  assertLineageComplete(
    await lineageOf(exp),
    candidates.map((c) => c.id),
  );

  // Temporal's account: the train activity of g0-c0 ran twice, completed once.
  const history = (await env.client.workflow.getHandle('kill-e2e.g0-c0').fetchHistory()).events ?? [];
  const scheduled = history.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'train',
  );
  assert.equal(scheduled.length, 1, 'one train activity');
  const trainStarted = history
    .filter((e) => e.activityTaskStartedEventAttributes)
    .map((e) => e.activityTaskStartedEventAttributes!)
    .find((a) => String(a.scheduledEventId) === String(scheduled[0].eventId));
  assert.ok(trainStarted);
  assert.equal(trainStarted.attempt, 2, 'the second attempt completed it');
  const resumeLine = /g0-c0-a1: attempt 2, resuming.*/.exec(await readFile(secondLog, 'utf8'));
  assert.ok(resumeLine, 'the new worker says it resumes');
  t.diagnostic(resumeLine[0]);
});
