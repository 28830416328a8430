/**
 * The whole report on a small real experiment folder (tests/report/fixture.ts, written with the
 * real checkpoint, train.csv and lineage writers): leaderboard, figures, escaping, notes for
 * what is missing, and damage that must cost a note rather than the page.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseGraphJson } from '../../src/graph';
import { appendLineage } from '../../src/log';
import { renderReport, ReportError, writeReport } from '../../src/report';
import { TEST_ACC_NOTE } from '../../src/report/report';
import { formatCount, formatPercent } from '../../src/report/format';
import { ArtifactStore, openStore } from '../../src/storage';
import { HOSTILE_ID, HOSTILE_OP, writeFixture } from './fixture';
import { allElements, parseXml, textContent, XmlElement } from './xml';

const NOW = new Date('2026-01-02T03:04:05Z');
const PREFIX = 'experiments/e1';
let dir: string;
let count = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-report-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function freshExperiment(): Promise<ArtifactStore> {
  const store = openStore(`file://${join(dir, `s${count++}`)}`);
  await writeFixture(store, PREFIX);
  return store;
}

const byId = (root: XmlElement, id: string): XmlElement => {
  const found = allElements(root).find((e) => e.attrs.id === id);
  assert.ok(found, `no element with id ${id}`);
  return found;
};
const named = (root: XmlElement, name: string): XmlElement[] =>
  allElements(root).filter((e) => e.name === name);

describe('the experiment report', () => {
  let store: ArtifactStore;
  let html: string;
  let page: XmlElement;
  let files: Record<string, string>;
  let notes: string[];

  before(async () => {
    store = await freshExperiment();
    ({ html, files, notes } = await renderReport(store, PREFIX, { now: NOW }));
    page = parseXml(html);
  });

  test('the leaderboard lists every candidate, best first, with parent, operation, params and metrics', async () => {
    const rows = named(named(byId(page, 'leaderboard'), 'tbody')[0], 'tr');
    const cells = rows.map((r) => r.children.map((c) => textContent(c)));
    assert.deepEqual(
      cells.map((c) => c[1]),
      ['c3', 'c4', 'c1', 'c2', 'c0', HOSTILE_ID, 'c5'],
    );
    const c3 = JSON.parse(await store.getText(`${PREFIX}/candidates/c3/runs/r1/result.json`)) as {
      best: { valAcc: number };
      test: { acc: number };
    };
    const params = JSON.parse(await store.getText(`${PREFIX}/candidates/c3/meta.json`)) as { params: number };
    assert.deepEqual(cells[0], [
      '1',
      'c3',
      'c1',
      'skip conv1 conv3',
      formatCount(params.params),
      formatPercent(c3.best.valAcc),
      formatPercent(c3.test.acc),
      '6',
      '2',
      'completed',
      `netgrow export ${PREFIX.split('/').pop()} --candidate c3 --format onnx --out export-c3`,
    ]);
    assert.equal(rows[0].attrs.class, 'best');
    // c2 diverged once and its retry completed: the candidate counts as completed.
    assert.equal(cells[3][9], 'completed');
    assert.deepEqual(cells[5].slice(2, 4), ['c1', HOSTILE_OP]);
    assert.equal(cells[5][9], 'not trained');
    assert.deepEqual([cells[6][0], cells[6][2], cells[6][9]], ['', 'c3', 'running']);
  });

  test("counted runs add a lineage FLOPs column (own + ancestors') and the search's total to the summary", async () => {
    assert.ok(!textContent(byId(page, 'leaderboard')).includes('lineage FLOPs'), 'no column without counts');
    const s = await freshExperiment();
    const counts: Record<string, number> = { c0: 1e9, c1: 2e9, c3: 4e9, c4: 8e9 };
    for (const [id, trainFlops] of Object.entries(counts)) {
      const key = `${PREFIX}/candidates/${id}/runs/r1/result.json`;
      const result = JSON.parse(await s.getText(key)) as object;
      await s.put(key, JSON.stringify({ ...result, trainFlops }));
    }
    const p = parseXml((await renderReport(s, PREFIX, { now: NOW })).html);
    const board = byId(p, 'leaderboard');
    const header = named(board, 'th').map((h) => textContent(h));
    const column = header.indexOf('lineage FLOPs');
    assert.ok(column > 0, header.join(' | '));
    const rows = named(named(board, 'tbody')[0], 'tr').map((r) => r.children.map((c) => textContent(c)));
    const flops = Object.fromEntries(rows.map((c) => [c[1], c[column]]));
    // c3 = c0 + c1 + c3; c4 = c0 + c1 + c4; c2 was not counted, so its lineage is c0's.
    assert.deepEqual([flops.c0, flops.c1, flops.c2, flops.c3, flops.c4], ['1G', '3G', '1G', '7G', '11G']);
    assert.match(textContent(byId(p, 'summary')), /Training FLOPs\s*15G/);
  });

  test("the export commands name the experiment also when the store is opened at its folder (as the search's activities do)", async () => {
    const atFolder = openStore(`${store.uri}/${PREFIX}`);
    const here = parseXml((await renderReport(atFolder, '', { now: NOW })).html);
    const commands = named(byId(here, 'leaderboard'), 'code')
      .map((c) => textContent(c))
      .filter((t) => t.startsWith('netgrow export'));
    assert.equal(commands.length, 7);
    for (const c of commands) assert.match(c, /^netgrow export e1 --candidate /);
  });

  test('the summary names the experiment, strategy, dataset, counts and the best candidate', () => {
    const text = textContent(byId(page, 'summary'));
    for (const want of [
      'fmnist-grow',
      'ga',
      'population 4, generations 2',
      'fashion-mnist',
      '5 completed · 1 running · 1 not trained',
      'candidate c3',
      'Wall time so far',
    ]) {
      assert.ok(text.includes(want), `summary lacks "${want}": ${text}`);
    }
  });

  test('every figure is a well-formed standalone SVG file and also appears inline', () => {
    assert.deepEqual(Object.keys(files).sort(), [
      'accuracy.svg',
      'architecture-c1.svg',
      'architecture-c3.svg',
      'growth.svg',
      'lineage.svg',
      'loss.svg',
    ]);
    for (const [name, svg] of Object.entries(files)) {
      const root = parseXml(svg);
      assert.equal(root.name, 'svg', name);
      assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg', name);
    }
    assert.equal(named(page, 'svg').length, Object.keys(files).length);
    const ids = allElements(page)
      .map((e) => e.attrs.id)
      .filter(Boolean);
    assert.equal(new Set(ids).size, ids.length, 'element ids are unique on the page');
  });

  test('untrusted text is escaped everywhere and the page can run no script nor fetch anything', () => {
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    for (const svg of Object.values(files)) assert.doesNotMatch(svg, /<script|<img/i);
    const csp = named(page, 'meta').find((m) => m.attrs['http-equiv'] === 'Content-Security-Policy');
    assert.match(csp?.attrs.content ?? '', /default-src 'none'/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing is loaded from elsewhere');
    const tree = parseXml(files['lineage.svg']);
    assert.ok(textContent(tree).includes(HOSTILE_ID.slice(0, 12)), 'the hostile id is shown as text');
  });

  test('what is missing becomes a note: a torn lineage line, a candidate without checkpoint, one without runs', () => {
    assert.equal(notes.length, 3, notes.join('\n'));
    assert.match(notes[0], /lineage\.jsonl line \d+ is a torn write/);
    assert.match(notes[1], /1 candidate without a checkpoint yet .*: c5$/);
    assert.match(notes[2], /no training runs yet: <img/);
    const shown = named(byId(page, 'notes'), 'li').map(textContent);
    assert.deepEqual(shown, notes);
  });

  test('the lineage tree has a box per candidate and labels each edge with its command', () => {
    const tree = parseXml(files['lineage.svg']);
    const boxes = allElements(tree).filter((e) => e.attrs.class === 'candidate');
    assert.equal(boxes.length, 7);
    const text = textContent(tree);
    for (const op of ['deeper conv2', 'wider conv1 x2', 'skip conv1 conv3', 'deeper fc1', 'wider conv3 x2']) {
      assert.ok(text.includes(op), `no edge label "${op}"`);
    }
    assert.equal(named(tree, 'path').length, 6, 'one edge per candidate with a parent');
    assert.ok(text.includes('★ c3'), 'the best candidate is marked');
  });

  test('learning curves plot the leaders; the growth path has one stage per ancestor of the best', () => {
    const loss = parseXml(files['loss.svg']);
    assert.equal(named(loss, 'polyline').length, 10, 'five candidates, validation and training each');
    const growth = parseXml(files['growth.svg']);
    const markers = named(growth, 'rect').filter((r) => r.attrs.height === '14');
    assert.equal(markers.length, 3);
    const stages = named(named(byId(page, 'growth'), 'tbody')[0], 'tr').map((r) =>
      textContent(r.children[1]),
    );
    assert.deepEqual(stages, ['c0', 'c1', 'c3']);
  });

  test('the architecture of the best network highlights what its last mutation added', async () => {
    const best = parseXml(files['architecture-c3.svg']);
    const added = allElements(best).filter((e) => e.attrs.class === 'layer new');
    assert.deepEqual(
      added.map((g) => textContent(named(g, 'title')[0]).split('\n')[1]),
      ['id skip1'],
    );
    const graph = parseGraphJson(await store.getText(`${PREFIX}/candidates/c3/graph.json`));
    const layers = allElements(best).filter((e) => e.attrs.class?.startsWith('layer'));
    // Every activation in this net follows a single conv or dense layer, so each is folded into it.
    const activations = graph.nodes.filter((n) => n.kind === 'activation').length;
    assert.equal(layers.length, graph.nodes.length - activations);
    const parent = parseXml(files['architecture-c1.svg']);
    assert.equal(allElements(parent).filter((e) => e.attrs.class === 'layer new').length, 0);
    assert.ok(
      textContent(byId(page, 'architecture')).includes('skip conv1 conv3: 1 node(s) added, 0 changed'),
    );
  });
});

describe('the report on damaged or partial experiments', () => {
  test('damaged files cost a note each, never the page', async () => {
    const store = await freshExperiment();
    await store.put(`${PREFIX}/candidates/c1/runs/r1/result.json`, '{"format": "netgrow.trainresult/v1"');
    await store.put(`${PREFIX}/candidates/c4/runs/r1/train.csv`, 'epoch,loss\n1,0.5\n');
    await store.put(`${PREFIX}/candidates/c2/meta.json`, '{"format": "something else"}');
    const graphKey = `${PREFIX}/candidates/c3/graph.json`;
    await store.put(graphKey, (await store.getText(graphKey)).replace('"skip1"', '"skip2"'));
    const lineage = await store.getText(`${PREFIX}/lineage.jsonl`);
    const lines = lineage.split('\n');
    lines[3] = 'garbage in the middle';
    await store.put(`${PREFIX}/lineage.jsonl`, lines.join('\n'));

    const { html, notes } = await renderReport(store, PREFIX, { now: NOW });
    const page = parseXml(html);
    const all = notes.join('\n');
    assert.match(all, /lineage\.jsonl is damaged, so the tree uses checkpoint metadata only: .*line 4/);
    assert.match(all, /candidate c1 run r1: result\.json could not be read/);
    assert.match(all, /candidate c4 run r1: train\.csv could not be read: .*header lacks column/);
    assert.match(all, /candidate c2: .*meta\.json/);
    const arch = textContent(byId(page, 'architecture'));
    assert.match(arch, /The graph could not be read: .*graph\.json does not match the sha256 in meta\.json/);
    // Without the lineage, parents still come from meta.json: c3 is still c1's child.
    const rows = named(named(byId(page, 'leaderboard'), 'tbody')[0], 'tr').map((r) =>
      r.children.map(textContent),
    );
    assert.deepEqual(rows.find((r) => r[1] === 'c3')?.slice(2, 4), ['c1', 'skip conv1 conv3']);
  });

  test('an experiment that only has its config renders, saying there is nothing yet', async () => {
    const store = openStore(`file://${join(dir, `s${count++}`)}`);
    await store.put(
      'experiments/fresh/experiment.json',
      JSON.stringify({ name: 'fresh', strategy: { kind: 'plan', stages: ['deeper conv2', 'wider fc1 x2'] } }),
    );
    const { html, files, notes } = await renderReport(store, 'experiments/fresh', { now: NOW });
    const page = parseXml(html);
    assert.match(textContent(byId(page, 'summary')), /plan.*stages 2/);
    assert.match(textContent(byId(page, 'curves')), /No training curves yet/);
    assert.match(textContent(byId(page, 'architecture')), /No checkpoint has been written yet/);
    assert.deepEqual(Object.keys(files), ['lineage.svg']);
    assert.deepEqual(notes, [
      'lineage.jsonl is missing; parents and operations come from checkpoint metadata only',
    ]);
  });

  test('an experiment that is not there is one clear error', async () => {
    const store = await freshExperiment();
    await assert.rejects(renderReport(store, 'experiments/nope'), (e: unknown) => {
      assert.ok(e instanceof ReportError);
      assert.match(e.message, /^no experiment at file:\/\/.*experiments\/nope: .*check the experiment id/);
      return true;
    });
  });

  test("a finalist's test accuracy comes from its one test event, and the page says how it was taken", async () => {
    const store = await freshExperiment();
    const key = `${PREFIX}/lineage.jsonl`;
    // Without the fixture's torn line, which an append would turn into damage mid-file.
    const whole = (await store.getText(key)).split('\n').filter((l) => l.endsWith('}'));
    await store.put(key, whole.join('\n') + '\n');
    await appendLineage(store, key, {
      type: 'test',
      candidate: 'c3',
      rank: 1,
      valAcc: 0.9,
      acc: 0.4321,
      loss: 1.5,
    });
    const { html } = await renderReport(store, PREFIX, { now: NOW });
    const board = byId(parseXml(html), 'leaderboard');
    const first = named(named(board, 'tbody')[0], 'tr')[0].children.map((c) => textContent(c));
    assert.deepEqual([first[1], first[6]], ['c3', formatPercent(0.4321)]);
    assert.ok(textContent(board).includes(`test acc: ${TEST_ACC_NOTE}.`));
    const plain = await renderReport(await freshExperiment(), PREFIX, { now: NOW });
    assert.ok(!plain.html.includes(TEST_ACC_NOTE + '.'), 'no note without finalists');
  });

  test('writeReport stores the figures, then index.html, under report/', async () => {
    const store = await freshExperiment();
    const written = await writeReport(store, `${PREFIX}/`, { now: NOW });
    assert.equal(written.key, `${PREFIX}/report/index.html`);
    assert.equal(written.keys.at(-1), written.key);
    assert.equal(written.uri, `${store.uri}/${PREFIX}/report/index.html`);
    const listed = await store.list(`${PREFIX}/report/`);
    assert.deepEqual(listed, [...written.keys].sort());
    const again = await renderReport(store, PREFIX, { now: NOW });
    assert.equal(await store.getText(written.key), again.html, 'rendering is deterministic');
    assert.equal(await store.getText(`${PREFIX}/report/lineage.svg`), again.files['lineage.svg']);
  });
});
