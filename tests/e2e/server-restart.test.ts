/**
 * The Temporal server stopped and started again on the same SQLite file in the middle of a
 * search, with real training going on: the workers reconnect, nothing is lost, and the search
 * completes with every candidate trained once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { experimentRecord, writeExperimentRecord } from '../../src/experiment/experiment';
import { openStore } from '../../src/storage';
import { startSearch } from '../../src/temporal/client';
import {
  assertLineageComplete,
  candidateFiles,
  lineageOf,
  parseConfig,
  processActivities,
  tinyConfig,
  until,
  serverAndScratch,
} from './support';
import type { SearchResult } from '../../src/contracts/search';

const fx = serverAndScratch('restart');

test('a search survives a restart of the Temporal server on its SQLite file', async (t) => {
  const { env, dir } = fx;
  const config = parseConfig(tinyConfig({ name: 'restart' }));
  const record = experimentRecord('search', 'restart-e2e', `file://${dir}/runs`, config);
  await writeExperimentRecord(record);
  const exp = openStore(record.experimentUri);
  const result = await env.withWorkers(
    processActivities(2),
    async () => {
      await startSearch(env.client, { experimentId: record.id, experimentUri: record.experimentUri, config });
      // Mid-search: generation 1 is being trained.
      await until(() => exp.exists('candidates/g1-c0/meta.json'), 'generation 1 to start', 120_000, 50);
      const t0 = Date.now();
      await env.restart();
      t.diagnostic(`server restarted on ${env.server.dbFile} in ${Date.now() - t0} ms`);
      return (await env.client.workflow.getHandle(record.id).result()) as SearchResult;
    },
    { trainingSlots: 2 },
  );
  assert.equal(result.reason, 'generations');
  assert.equal(result.candidates, 7);
  const candidates = await candidateFiles(exp);
  assert.equal(candidates.length, 7);
  for (const c of candidates) {
    assert.equal(c.results.at(-1)?.status, 'completed', c.id);
  }
  assertLineageComplete(
    await lineageOf(exp),
    candidates.map((c) => c.id),
  );
  assert.ok(await exp.exists('report/index.html'));
});
