/**
 * The same search with its artifacts on S3 (a real SeaweedFS on loopback): the endpoint and
 * keys reach the CLI, its workers and every trainer process through the environment only —
 * the workflow histories, read back from the experiment's SQLite file afterwards, never hold
 * them — and the SQLite file lives under NETGROW_HOME, since it cannot live in a bucket.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { openStore, type ArtifactStore } from '../../src/storage';
import { startDevServer } from '../../src/temporal/devserver';
import { startSeaweed, type SeaweedServer } from '../support/seaweed';
import {
  assertLineageComplete,
  candidateFiles,
  experimentHistories,
  historyText,
  lineageOf,
  netgrow,
  tinyConfig,
} from './support';

let s3: SeaweedServer;
let dir: string;
let env: NodeJS.ProcessEnv;
const BUCKET = 'netgrow-e2e';

before(async () => {
  s3 = await startSeaweed();
  dir = await mkdtemp(join(tmpdir(), 'netgrow-e2e-s3-'));
  env = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    NETGROW_HOME: join(dir, 'home'),
  };
  // The bucket exists before the search, as it would on a real account.
  await openStore(`s3://${BUCKET}/setup`, {
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    createBucket: true,
  }).put('ready', 'yes');
});
after(async () => {
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('netgrow search on s3://: artifacts in the bucket, credentials only in the environment', async (t) => {
  await writeFile(
    join(dir, 'search.yaml'),
    stringify(tinyConfig({ storage: { uri: `s3://${BUCKET}/runs` } })),
  );
  const t0 = Date.now();
  const run = await netgrow(['search', '--config', 'search.yaml', '--headless'], { cwd: dir, env });
  t.diagnostic(`search on S3: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const id = /^experiment (e2e-[a-z0-9]+):/m.exec(run.stdout)?.[1];
  assert.ok(id);
  const uri = `s3://${BUCKET}/runs/experiments/${id}`;
  assert.match(run.stdout, new RegExp(`report: ${uri}/report/index.html`));
  for (const secret of [s3.secretAccessKey, s3.accessKeyId]) {
    assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'no key in the output');
  }

  const exp: ArtifactStore = openStore(uri, {
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const candidates = await candidateFiles(exp);
  assert.equal(candidates.length, 7);
  for (const c of candidates) assert.equal(c.results[0]?.status, 'completed', c.id);
  assert.ok(candidates.every((c) => c.results[0].checkpoint?.startsWith(`${uri}/candidates/${c.id}/`)));
  assertLineageComplete(
    await lineageOf(exp),
    candidates.map((c) => c.id),
  );
  assert.match(await exp.getText('report/index.html'), /^<!DOCTYPE html>/);
  assert.equal(JSON.parse(await exp.getText('experiment.json')).storage, `s3://${BUCKET}/runs`);

  // The SQLite file is local; read every history from it and look for the keys.
  const stateDir = join(dir, 'home', 'experiments', id);
  assert.ok(existsSync(join(stateDir, 'temporal', 'temporal.sqlite')));
  assert.equal(JSON.parse(await readFile(join(stateDir, 'experiment.json'), 'utf8')).experimentUri, uri);
  const server = await startDevServer({ dataDir: join(stateDir, 'temporal'), port: 0, headless: true });
  const connection = await Connection.connect({ address: server.address });
  try {
    const histories = await experimentHistories(new Client({ connection }), id);
    assert.equal(histories.length, 4 + 7, 'four search runs and seven candidates');
    const text = historyText(histories);
    assert.ok(text.includes(`${uri}/candidates/g1-c0`), 'payloads decoded: the URIs are there');
    for (const secret of [s3.secretAccessKey, s3.accessKeyId, s3.endpoint]) {
      assert.ok(!text.includes(secret), 'no key or endpoint in any history');
    }
  } finally {
    await connection.close();
    await server.stop();
  }
});
