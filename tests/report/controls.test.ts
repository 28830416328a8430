/**
 * The report's judging sections on the real fixture experiment: per-operation statistics, the
 * scratch control beside the grown winner, and the score column of a penalised search.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { appendLineage, type LineageEventInput } from '../../src/log';
import { collectExperiment, renderReport } from '../../src/report';
import { formatPercent } from '../../src/report/format';
import { openStore, type ArtifactStore } from '../../src/storage';
import { writeFixture } from './fixture';
import { allElements, parseXml, textContent, type XmlElement } from './xml';

const PREFIX = 'experiments/e1';
let dir: string;
let count = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-report-controls-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The fixture without its torn line (an append would turn it into damage mid-file), plus `events`. */
async function experiment(events: LineageEventInput[]): Promise<ArtifactStore> {
  const store = openStore(`file://${join(dir, `s${count++}`)}`);
  await writeFixture(store, PREFIX);
  const key = `${PREFIX}/lineage.jsonl`;
  const whole = (await store.getText(key)).split('\n').filter((l) => l.endsWith('}'));
  await store.put(key, whole.join('\n') + '\n');
  for (const e of events) await appendLineage(store, key, e);
  return store;
}

const section = (root: XmlElement, id: string): XmlElement | undefined =>
  allElements(root).find((e) => e.attrs.id === id);
const rows = (table: XmlElement): string[][] =>
  allElements(allElements(table).find((e) => e.name === 'tbody')!)
    .filter((e) => e.name === 'tr')
    .map((tr) => tr.children.map((c) => textContent(c)));

describe('report controls', () => {
  test('operations: one row per command kind, as operationStats counts them, also returned', async () => {
    const report = await renderReport(await experiment([]), PREFIX);
    const ops = section(parseXml(report.html), 'operations');
    assert.ok(ops, 'an operations section');
    assert.deepEqual(
      report.operations.map((o) => [o.op, o.chosen, o.compared, o.beatParent]),
      [
        ['wider', 3, 1, 1],
        ['deeper', 2, 2, 2],
        ['skip', 1, 1, 1],
      ],
    );
    assert.deepEqual(
      rows(ops).map((r) => r.slice(0, 3)),
      [
        ['wider', '3', '1'],
        ['deeper', '2', '2'],
        ['skip', '1', '1'],
      ],
    );
    assert.match(rows(ops)[1][4], /^\+1\.52 pts$/);
  });

  test('scratch: grown vs scratch side by side; the control never becomes the best', async () => {
    const store = await experiment([
      {
        type: 'training',
        candidate: 'scratch',
        runId: 'scratch-a1',
        status: 'completed',
        epochs: 18,
        metrics: { valAcc: 0.95 },
        wallSeconds: 700,
      },
      {
        type: 'scratch',
        candidate: 'scratch',
        of: 'c3',
        status: 'completed',
        epochs: 18,
        valAcc: 0.95,
        testAcc: 0.94,
        wallSeconds: 700,
        grown: { valAcc: 0.9073, testAcc: 0.9, epochs: 18, wallSeconds: 783 },
      },
    ]);
    const page = parseXml((await renderReport(store, PREFIX)).html);
    const scratch = section(page, 'scratch');
    assert.ok(scratch, 'a grown-vs-scratch section');
    assert.deepEqual(
      rows(scratch).map((r) => [r[0], r[1], r[3], r[4]]),
      [
        ['grown: c3', '18', formatPercent(0.9073), formatPercent(0.9)],
        ['from scratch: scratch', '18', formatPercent(0.95), formatPercent(0.94)],
      ],
    );
    assert.match(textContent(scratch), /Growing −4\.27 pts of validation accuracy against scratch/);
    const summary = textContent(section(page, 'summary')!);
    assert.match(summary, /candidate c3/, 'the best is the grown winner, not the control');
    const board = rows(section(page, 'leaderboard')!);
    assert.ok(board.some((r) => r[1] === 'scratch' && r[3] === 'scratch control of c3'));
  });

  test('a penalised search shows the score column and ranks by it', async () => {
    // Every completed candidate of a penalised search has a score; c4 outranks c3 by it.
    const scores: Record<string, number> = { c0: 0.1, c1: 0.2, c2: 0.3, c3: 0.4, c4: 0.5 };
    const store = await experiment(
      Object.entries(scores).map(([candidate, score]) => ({
        type: 'training' as const,
        candidate,
        runId: 'r1',
        status: 'completed' as const,
        epochs: 6,
        metrics: { score },
        wallSeconds: 1,
      })),
    );
    const page = parseXml((await renderReport(store, PREFIX)).html);
    const board = section(page, 'leaderboard')!;
    const headers = allElements(board)
      .filter((e) => e.name === 'th')
      .map((e) => textContent(e));
    assert.ok(headers.includes('score'));
    assert.deepEqual(
      rows(board)
        .slice(0, 2)
        .map((r) => [r[1], r[headers.indexOf('score')]]),
      [
        ['c4', '0.5000'],
        ['c3', '0.4000'],
      ],
    );
    const plain = parseXml((await renderReport(await experiment([]), PREFIX)).html);
    assert.ok(
      !allElements(section(plain, 'leaderboard')!).some((e) => e.name === 'th' && textContent(e) === 'score'),
      'no score column without a penalty',
    );
  });

  test('early stopping: one row per decision, with the count stopped', async () => {
    const decision = (
      candidate: string,
      valAcc: number,
      peers: number,
      keep: boolean,
    ): LineageEventInput => ({
      type: 'early-stop',
      generation: 1,
      candidate,
      rule: 'median',
      epoch: 1,
      valAcc,
      peers,
      threshold: peers === 0 ? null : 0.8,
      decision: keep ? 'continue' : 'stop',
    });
    const store = await experiment([decision('c1', 0.8, 0, true), decision('c2', 0.7, 1, false)]);
    const page = parseXml((await renderReport(store, PREFIX)).html);
    const early = section(page, 'early-stop');
    assert.ok(early);
    assert.deepEqual(
      rows(early).map((r) => [r[1], r[4], r[6], r[7]]),
      [
        ['c1', formatPercent(0.8), '—', 'continue'],
        ['c2', formatPercent(0.7), formatPercent(0.8), 'stop'],
      ],
    );
    assert.match(textContent(early), /1 of 2 stopped there/);
    const plain = parseXml((await renderReport(await experiment([]), PREFIX)).html);
    assert.equal(section(plain, 'early-stop'), undefined, 'no section without early stopping');
  });
});

describe('report collection', () => {
  test('a child made by two commands keeps both, in order, and the params after the last', async () => {
    const mutation = (op: string, paramsBefore: number, paramsAfter: number): LineageEventInput => ({
      type: 'mutation',
      generation: 3,
      parent: 'g0-c0',
      child: 'g3-c0',
      op,
      paramsBefore,
      paramsAfter,
      preserving: true,
      maxAbsDiff: 0,
    });
    const store = await experiment([mutation('wider conv1 x2', 100, 150), mutation('deeper fc1', 150, 190)]);
    const data = await collectExperiment(store, PREFIX);
    const child = data.candidates.find((c) => c.id === 'g3-c0')!;
    assert.deepEqual(child.ops, ['wider conv1 x2', 'deeper fc1']);
    assert.equal(child.operation, 'wider conv1 x2; deeper fc1');
    assert.equal(child.params, 190);
    assert.equal(child.parent, 'g0-c0');
    assert.equal(child.generation, 3);
  });
});
