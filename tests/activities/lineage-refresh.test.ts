/**
 * After each candidate's training (a terminal training event reaching recordLineage), the
 * experiment's HTML report and its TensorBoard HParams sessions are rewritten — not only at the
 * end of a generation. A started event alone does not rewrite them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { createActivities } from '../../activities';
import { InProcessExecutor } from '../../src/executor/inprocess';
import { HPARAMS_EVENT_FILE } from '../../src/log/hparams';
import type { LineageEventInput } from '../../src/contracts/lineage';
import { openStore } from '../../src/storage';
import { writeFixture } from '../report/fixture';
import { quietActivityEnv } from './mock';

let dir: string;
let experimentUri: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-activity-refresh-'));
  experimentUri = pathToFileURL(join(dir, 'experiments', 'e1')).href;
  await writeFixture(openStore(pathToFileURL(dir).href), 'experiments/e1');
});
after(() => rm(dir, { recursive: true, force: true }));

const training = (status: 'started' | 'completed'): LineageEventInput => ({
  type: 'training',
  at: new Date().toISOString(),
  generation: 2,
  candidate: 'c4',
  runId: 'r2',
  status,
  epochs: status === 'started' ? 0 : 6,
  wallSeconds: status === 'started' ? 0 : 12,
  attempt: 1,
});

test('a finished training rewrites the report and the HParams sessions; a started one does not', async () => {
  const store = openStore(experimentUri);
  const acts = createActivities({ executor: new InProcessExecutor(), openStore: (u) => openStore(u) });
  const env = quietActivityEnv();
  await env.run(acts.recordLineage, { experimentUri, events: [training('started')] });
  assert.equal(await store.exists('report/index.html'), false);
  assert.equal(await store.exists(`hparams/${HPARAMS_EVENT_FILE}`), false);
  await env.run(acts.recordLineage, { experimentUri, events: [training('completed')] });
  const html = await store.getText('report/index.html');
  assert.match(html, /netgrow export/);
  for (const c of ['c0', 'c1', 'c2', 'c3', 'c4']) {
    assert.ok(await store.exists(`hparams/${c}/${HPARAMS_EVENT_FILE}`), `HParams session of ${c}`);
  }
});
