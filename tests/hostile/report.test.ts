/**
 * Everything a user controls that reaches the HTML report is escaped: an experiment whose
 * config name, dataset, start architecture and free-form fields carry markup, and whose lineage
 * has a candidate id and a command with HTML in them (the report fixture), rendered by
 * `netgrow report` as a user runs it. The page must hold the text, never the markup.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { openStore } from '../../src/storage';
import { HOSTILE_ID, HOSTILE_OP, writeFixture } from '../report/fixture';

const BIN = resolve(__dirname, '../../bin/netgrow.js');
const INJECTED = {
  name: '</title><script>alert("name")</script>',
  dataset: '<img src=x onerror=alert("dataset")>',
  arch: '"><svg onload=alert("arch")>',
  note: "<iframe src='javascript:alert(1)'></iframe>",
};

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-hostile-report-'));
  await writeFixture(openStore(dir), 'experiments/e7');
  await writeFile(
    join(dir, 'experiments/e7/experiment.json'),
    JSON.stringify({
      id: 'e7',
      createdAt: '2026-11-30T00:00:00.000Z',
      config: {
        name: INJECTED.name,
        seed: 7,
        dataset: { name: INJECTED.dataset },
        start: { arch: INJECTED.arch },
        strategy: { kind: 'ga', population: 4, generations: 2, note: INJECTED.note },
        train: { epochs: 6 },
      },
    }),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

test('netgrow report escapes markup from the config and the lineage', async () => {
  const run = spawnSync(process.execPath, [BIN, 'report', 'e7', '--storage', dir], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const html = await readFile(join(dir, 'experiments/e7/report/index.html'), 'utf8');
  for (const text of [...Object.values(INJECTED), HOSTILE_ID, HOSTILE_OP]) {
    assert.ok(!html.includes(text), `raw markup on the page: ${text}`);
  }
  // The text itself is there, escaped: a reader sees what the config said.
  assert.match(html, /&lt;script&gt;alert\((&quot;|&#34;|")name(&quot;|&#34;|")\)&lt;\/script&gt;/);
  assert.match(html, /&lt;img src=x onerror=alert/);
  // No element the page did not write itself: every <script> is the page's own.
  assert.doesNotMatch(html, /<(img|svg|iframe)\b[^>]*(onerror|onload|javascript:)/i);
});
