/**
 * The same report from S3 (a real SeaweedFS on loopback) as from a folder: everything is read
 * through the ArtifactStore, so listing, reading and writing report/ must work alike.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { renderReport, writeReport } from '../../src/report';
import { ArtifactStore, openStore } from '../../src/storage';
import { startSeaweed, type SeaweedServer } from '../support/seaweed';
import { writeFixture } from './fixture';
import { allElements, parseXml, textContent } from './xml';

let server: SeaweedServer;
let s3: ArtifactStore;
let dir: string;

before(async () => {
  server = await startSeaweed();
  const { endpoint, region, accessKeyId, secretAccessKey } = server;
  s3 = openStore('s3://netgrow-report-test/runs', {
    endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey },
    createBucket: true,
  });
  dir = await mkdtemp(join(tmpdir(), 'netgrow-report-s3-'));
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const leaderboard = (html: string): string[][] => {
  const section = allElements(parseXml(html)).find((e) => e.attrs.id === 'leaderboard')!;
  return allElements(section)
    .filter((e) => e.name === 'tr')
    .map((r) => r.children.map(textContent));
};

test('a report rendered from s3:// matches the one from file:// and is written back to S3', async () => {
  const local = openStore(`file://${dir}`);
  await writeFixture(s3, 'experiments/e1');
  await writeFixture(local, 'experiments/e1');
  const now = new Date('2026-01-01T00:00:00Z');
  const fromS3 = await renderReport(s3, 'experiments/e1', { now });
  const fromFile = await renderReport(local, 'experiments/e1', { now });
  assert.deepEqual(leaderboard(fromS3.html), leaderboard(fromFile.html));
  assert.deepEqual(Object.keys(fromS3.files), Object.keys(fromFile.files));
  assert.deepEqual(fromS3.notes, fromFile.notes);
  assert.equal(fromS3.files['architecture-c3.svg'], fromFile.files['architecture-c3.svg']);

  const written = await writeReport(s3, 'experiments/e1', { now });
  assert.equal(written.uri, 's3://netgrow-report-test/runs/experiments/e1/report/index.html');
  assert.match(await s3.getText(written.key), /^<!DOCTYPE html>/);
  assert.deepEqual(await s3.list('experiments/e1/report/'), [...written.keys].sort());
});
