import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { appendLineage, LineageEventInput, LogError, parseLineage, readLineage } from '../../src/log';
import { tempStore } from './stores';

const KEY = 'experiments/e1/lineage.jsonl';
const AT = '2025-01-02T03:04:05.678Z';

const events: LineageEventInput[] = [
  { type: 'generation', at: AT, generation: 0, status: 'started', candidates: ['c0'] },
  {
    type: 'mutation',
    at: AT,
    generation: 1,
    parent: 'c0',
    child: 'c1',
    op: 'wider conv2 x2',
    paramsBefore: 1234,
    paramsAfter: 2345,
    preserving: true,
    maxAbsDiff: 3.2e-6,
    relDiff: 1.1e-6,
  },
  {
    type: 'training',
    at: AT,
    generation: 1,
    candidate: 'c1',
    runId: 'r1',
    status: 'diverged',
    epochs: 2,
    metrics: { loss: 0.41, valAcc: null },
    wallSeconds: 12.5,
    attempt: 1,
    adjustment: { lrScale: 0.1 },
  },
  {
    type: 'selection',
    at: AT,
    generation: 1,
    from: ['c0', 'c1'],
    selected: ['c1'],
    scores: { c0: 0.8, c1: 0.85 },
  },
];

test('lineage events round-trip through append and read, defaults filled in', async () => {
  const { store } = await tempStore();
  const stored = [];
  for (const e of events) stored.push(await appendLineage(store, KEY, e));
  const log = await readLineage(store, KEY);
  assert.deepEqual(log.torn, []);
  assert.deepEqual(log.events, stored);
  assert.equal(log.events.length, 4);
  const selection = log.events[3];
  assert.equal(selection.type === 'selection' && selection.criterion, 'val_acc');
  assert.equal((await store.getText(KEY)).split('\n').length, 5, 'one line per event plus the final newline');

  const stamped = await appendLineage(store, KEY, {
    type: 'generation',
    generation: 2,
    status: 'finished',
  });
  assert.ok(!Number.isNaN(Date.parse(stamped.at)), 'a missing timestamp is filled with now');
});

test('an absent lineage reads as empty; an invalid event is refused before it is written', async () => {
  const { store } = await tempStore();
  assert.deepEqual(await readLineage(store, KEY), { events: [], torn: [] });
  await assert.rejects(
    appendLineage(store, KEY, { ...events[1], paramsAfter: -1 } as LineageEventInput),
    (e: unknown) =>
      e instanceof LogError && /refusing to append an invalid lineage event, paramsAfter:/.test(e.message),
  );
  assert.equal(await store.exists(KEY), false);
});

test('a torn last line from a crash is reported and ignored', async () => {
  const { store, root } = await tempStore();
  for (const e of events.slice(0, 2)) await appendLineage(store, KEY, e);
  // What a process killed in the middle of its append leaves behind.
  const partial = JSON.stringify(events[2]).slice(0, 40);
  await appendFile(join(root, KEY), partial);
  const log = await readLineage(store, KEY);
  assert.equal(log.events.length, 2);
  assert.deepEqual(log.torn, [{ line: 3, text: partial }]);
});

test('an event appended after a torn write is recovered; the torn prefix is reported', async () => {
  const { store, root } = await tempStore();
  await appendLineage(store, KEY, events[0]);
  const partial = JSON.stringify(events[1]).slice(0, 55);
  await appendFile(join(root, KEY), partial);
  // The restarted process appends onto the torn line, then goes on normally.
  await appendLineage(store, KEY, events[2]);
  await appendLineage(store, KEY, events[3]);
  const log = await readLineage(store, KEY);
  assert.deepEqual(
    log.events.map((e) => e.type),
    ['generation', 'training', 'selection'],
  );
  assert.deepEqual(log.torn, [{ line: 2, text: partial }]);
});

test('damage that is not a torn write is an error naming the line', () => {
  const good = JSON.stringify({ ...events[0] });
  assert.throws(() => parseLineage(`${good}\nnot json at all\n${good}\n`, 'e1/lineage.jsonl'), {
    message: 'e1/lineage.jsonl line 2: not JSON and not a torn write; the file is damaged',
  });
  assert.throws(
    () => parseLineage(`${good}\n{"type":"mutation","at":"${AT}"}\n`),
    /lineage.jsonl line 2: invalid lineage event, parent:/,
  );
  assert.throws(
    () => parseLineage(`{"type":"promotion","at":"${AT}"}\n`),
    /line 1: invalid lineage event, type:/,
  );
});
