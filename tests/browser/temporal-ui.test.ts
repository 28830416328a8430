/**
 * The audit trail as a person sees it: the embedded dev server's Temporal Web UI, in headless
 * Chromium, during a small search (scripted activities, one candidate diverging once). The
 * search workflow, its candidate workflows, netgrow's search attributes and the divergence
 * retry must be visible there. Screenshots go to test-artifacts/browser/.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { parseSearchConfig } from '../../src/experiment/prepare';
import { startSearch } from '../../src/temporal/client';
import { startDevServer, type DevServer } from '../../src/temporal/devserver';
import { bundleWorkflows, startWorkers } from '../../worker/index';
import { quietRuntime } from '../support/temporal';
import { within } from '../support/until';
import { scriptedActivities } from '../temporal/activities';
import { artifact, launchChromium, noChromium } from './chromium';

let dir: string;
let server: DevServer;
let browser: Browser;
before(async () => {
  if (noChromium) return;
  quietRuntime();
  dir = await mkdtemp(join(tmpdir(), 'netgrow-browser-ui-'));
  server = await startDevServer({ dataDir: dir, port: 0, uiPort: 0 });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The page's visible text once `text` shows up (the UI renders after its API calls). */
async function showing(page: Page, url: string, text: string | RegExp, shot: string): Promise<string> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.getByText(text).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: artifact(shot), fullPage: true });
  return page.locator('body').innerText();
}

test(
  'the Web UI shows the search, its candidates, its search attributes and a divergence retry',
  { skip: noChromium },
  async (t) => {
    const ui = server.uiUrl!;
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    const native = await NativeConnection.connect({ address: server.address });
    const activities = scriptedActivities({ divergeAboveLr: { 'g1-c1': 0.01 }, trainMs: 1500 });
    const workers = await startWorkers({
      connection: native,
      activities,
      trainingSlots: 2,
      workflowBundle: await bundleWorkflows(),
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      const config = await parseSearchConfig(
        { name: 'ui', dataset: {}, strategy: { kind: 'ga', population: 2, generations: 1 } },
        'browser',
      );
      const id = 'ui-audit';
      const handle = await startSearch(client, {
        experimentId: id,
        experimentUri: `file://${dir}/runs/experiments/${id}`,
        config,
      });

      // During the search: the search workflow is listed as running.
      const running = await showing(page, `${ui}/namespaces/default/workflows`, id, 'ui-running.png');
      assert.match(running, /Running/);
      t.diagnostic(`UI at ${ui}`);

      await within(handle.result(), 120_000, 'the scripted search to finish');
      // The candidates, found through netgrow's search attribute (a visibility query in the URL).
      const query = encodeURIComponent(`NetgrowExperimentId="${id}"`);
      const listed = await showing(
        page,
        `${ui}/namespaces/default/workflows?query=${query}`,
        `${id}.g1-c1`,
        'ui-candidates.png',
      );
      for (const c of ['g0-c0', 'g1-c0', 'g1-c1'])
        assert.ok(listed.includes(`${id}.${c}`), `candidate ${c} listed`);
      assert.ok(listed.includes('candidateWorkflow') && listed.includes('searchWorkflow'));

      // The search's own page: its search attributes.
      const { runId } = await client.workflow.getHandle(id).describe();
      await showing(
        page,
        `${ui}/namespaces/default/workflows/${id}/${runId}/history`,
        'Search Attributes',
        'ui-search.png',
      );
      await page.getByText('Search Attributes', { exact: true }).first().click();
      await page.getByText('NetgrowExperimentId').first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: artifact('ui-search-attributes.png'), fullPage: true });
      const detail = await page.locator('body').innerText();
      for (const name of ['NetgrowExperimentId', 'NetgrowStrategy', 'NetgrowDataset', 'NetgrowGeneration']) {
        assert.ok(detail.includes(name), `search attribute ${name} shown`);
      }

      // The diverged candidate: two train activities in its history, the first one diverged.
      const cand = await client.workflow.getHandle(`${id}.g1-c1`).describe();
      const history = await showing(
        page,
        `${ui}/namespaces/default/workflows/${id}.g1-c1/${cand.runId}/history`,
        /train/,
        'ui-divergence.png',
      );
      // Its result says two attempts; its events: mutate, train (run a1, diverged), train again
      // (run a2, at a lower rate). Its validation score comes from the trainer (no evaluate).
      assert.match(history, /"attempts": 2/);
      assert.match(history, /"runId":"g1-c1-a1"/);
      assert.match(history, /"runId":"g1-c1-a2"/);
      const scheduled = history.match(/Activity Task Scheduled/g) ?? [];
      assert.equal(scheduled.length, 3, 'mutate, train, train scheduled');
    } finally {
      await page.close();
      await workers.shutdown();
      await native.close();
      await connection.close();
    }
  },
);
