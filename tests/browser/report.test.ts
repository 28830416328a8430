/**
 * The HTML report as a person opens it, in headless Chromium: no console error and no script
 * run from untrusted text (the fixture's candidate id and command hold markup), the
 * leaderboard lists every candidate, and every chart the report wrote is drawn on the page.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { renderReport, writeReport } from '../../src/report';
import { openStore } from '../../src/storage';
import { writeFixture } from '../report/fixture';
import { artifact, launchChromium, noChromium } from './chromium';

let dir: string;
let browser: Browser;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-browser-report-'));
  if (noChromium) return;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

test(
  'the report opens without console errors, with the leaderboard and every chart',
  { skip: noChromium },
  async (t) => {
    const store = openStore(`file://${dir}`);
    const fixture = await writeFixture(store, 'exp', { extraGenerations: 2 });
    const written = await writeReport(store, 'exp');
    const { files } = await renderReport(store, 'exp');
    const charts = Object.keys(files).filter((f) => f.endsWith('.svg'));

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`a script from the data ran: dialog "${d.message()}"`);
      void d.dismiss();
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(`file://${join(dir, 'exp', 'report', 'index.html')}`, { waitUntil: 'load' });
    await page.screenshot({ path: artifact('report.png'), fullPage: true });
    assert.equal(written.key, 'exp/report/index.html');

    const rows = await page.locator('#leaderboard tbody tr').count();
    const listed = await page.locator('#leaderboard tbody tr').allInnerTexts();
    t.diagnostic(`${rows} leaderboard rows, ${charts.length} charts: ${charts.join(', ')}`);
    for (const id of fixture.candidates) {
      assert.ok(
        listed.some((row) => row.includes(id)),
        `leaderboard row for ${id}`,
      );
    }
    // Every chart file is drawn inline: an <svg> of the same content, with a real size on screen.
    const drawn: { id: string | null; w: number; h: number }[] = [];
    for (const svg of await page.locator('svg').all()) {
      const box = await svg.boundingBox();
      drawn.push({ id: await svg.getAttribute('id'), w: box?.width ?? 0, h: box?.height ?? 0 });
    }
    assert.ok(drawn.length >= charts.length, `${drawn.length} svg elements for ${charts.length} charts`);
    for (const d of drawn) assert.ok(d.w > 0 && d.h > 0, `svg ${d.id || '(no id)'} has no size`);
    for (const name of ['lineage.svg', 'loss.svg', 'accuracy.svg']) assert.ok(charts.includes(name), name);
    assert.deepEqual(problems, []);
  },
);
