/**
 * The proof that netgrow's event files are real TensorBoard files: write a run (including a
 * crash and a resume) with netgrow, read the folder back with TensorBoard's own Python
 * EventAccumulator, and compare every scalar and the text summary.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  decodeEventFile,
  EventRecord,
  EventWriter,
  listEventFiles,
  modelSummaryMarkdown,
  openEventWriter,
  readRunEvents,
  TrainRow,
} from '../../src/log';
import { ArtifactStore } from '../../src/storage';
import { tempStore } from './stores';

const ROOT = resolve(__dirname, '../..');
const PYTHON = join(ROOT, '.tools/venv/bin/python');
const READER = join(__dirname, 'read_tfevents.py');
const DIR = 'experiments/e1/candidates/c1/runs/r1';
const T0 = 1_700_000_000.125;
const STEPS_PER_EPOCH = 10;
const LOG_EVERY = 5;

interface PyScalar {
  step: number;
  wall_time: number;
  value: number | string;
}
interface PyText {
  step: number;
  wall_time: number;
  plugin: string;
  dtype: number;
  rank: number;
  text: string[];
}
interface PyRun {
  file_version: number;
  scalars: Record<string, PyScalar[]>;
  texts: Record<string, PyText[]>;
}

async function readWithTensorBoard(folder: string): Promise<PyRun> {
  const fix = 'run `bash scripts/setup.sh` to install it into .tools/venv';
  assert.ok(existsSync(PYTHON), `TensorBoard's Python reader is missing (${PYTHON}); ${fix}`);
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(PYTHON, [READER, folder], {
      timeout: 120_000,
      maxBuffer: 64 << 20,
    }));
  } catch (e) {
    assert.fail(
      `TensorBoard's reader failed (${(e as Error).message.split('\n').slice(0, 3).join(' ')}); ${fix}`,
    );
  }
  return JSON.parse(stdout) as PyRun;
}

/** Rows of a run whose values depend on `seed`, so the crashed and the resumed tail differ. */
function rows(fromEpoch: number, toEpoch: number, seed: number): TrainRow[] {
  const out: TrainRow[] = [];
  for (let epoch = fromEpoch; epoch <= toEpoch; epoch++) {
    for (let s = LOG_EVERY; s <= STEPS_PER_EPOCH; s += LOG_EVERY) {
      const step = (epoch - 1) * STEPS_PER_EPOCH + s;
      out.push({
        kind: 'step',
        epoch,
        step,
        // 0.1-ish values are not float32-exact: the comparison must allow for float32 rounding.
        loss: seed + 1 / step,
        acc: step === LOG_EVERY ? 0 : 0.1 * (step % 7),
        valLoss: null,
        valAcc: null,
        lr: 0.05,
        seconds: 0.5,
        samplesPerSec: 640.5,
      });
    }
    out.push({
      kind: 'epoch',
      epoch,
      step: epoch * STEPS_PER_EPOCH,
      loss: epoch === 2 ? NaN : seed + 1 / epoch,
      acc: 0.7 + epoch / 100,
      valLoss: epoch === 2 ? Infinity : seed + 1.1 / epoch,
      valAcc: 0.65 + epoch / 100,
      lr: 0.05 / epoch,
      seconds: 1.25,
      samplesPerSec: 612.75,
    });
  }
  return out;
}

const wallTimeOf = (step: number, seed: number): number => T0 + seed * 1000 + step * 0.25;

function writeRows(w: EventWriter, list: TrainRow[], seed: number): void {
  for (const r of list) w.addRow(r, wallTimeOf(r.step, seed));
}

const SUMMARY = modelSummaryMarkdown([
  { id: 'conv1', kind: 'conv2d', outputShape: [28, 28, 64], params: 640, flops: 903_168 },
  { id: 'fc1', kind: 'dense', outputShape: [10], params: 7_850, flops: 15_680 },
]);

/** A run that crashed after epoch 5 and resumed from its epoch-3 checkpoint, as two event files. */
async function crashedAndResumedRun(store: ArtifactStore): Promise<void> {
  const first = await openEventWriter(store, DIR, { host: 'node-a', clock: () => T0 });
  first.addText('model/summary', 0, SUMMARY, T0);
  writeRows(first, rows(1, 3, 0), 0);
  await first.flush();
  writeRows(first, rows(4, 5, 0), 0); // orphaned: the process dies before checkpointing these
  await first.flush();

  const resumed = await openEventWriter(store, DIR, {
    host: 'node-b',
    resumeAfterStep: 3 * STEPS_PER_EPOCH,
    clock: () => T0 + 1000,
  });
  assert.equal(resumed.startStep, 31);
  writeRows(resumed, rows(4, 6, 1), 1);
  await resumed.flush();
}

function expectedScalars(): Map<string, { step: number; wallTime: number; value: number }[]> {
  const byTag = new Map<string, { step: number; wallTime: number; value: number }[]>();
  const kept = [...rows(1, 3, 0), ...rows(4, 6, 1)].map((r) => ({ r, seed: r.epoch <= 3 ? 0 : 1 }));
  for (const { r, seed } of kept) {
    const prefix = r.kind === 'epoch' ? 'epoch' : 'batch';
    const values: [string, number | null][] = [
      ['loss', r.loss],
      ['acc', r.acc],
      ['val_loss', r.valLoss],
      ['val_acc', r.valAcc],
      ['lr', r.lr],
      ['seconds', r.seconds],
      ['samples_per_sec', r.samplesPerSec],
    ];
    if (r.kind === 'epoch') values.push(['epoch', r.epoch]);
    for (const [name, v] of values) {
      if (v === null) continue;
      const tag = `${prefix}/${name}`;
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ step: r.step, wallTime: wallTimeOf(r.step, seed), value: v });
    }
  }
  return byTag;
}

function pyNumber(v: number | string): number {
  if (typeof v === 'number') return v;
  return { nan: NaN, inf: Infinity, '-inf': -Infinity }[v] ?? Number.NaN;
}

test('TensorBoard`s EventAccumulator reads every scalar and the text summary netgrow wrote, resume included', async () => {
  const { store, root } = await tempStore();
  await crashedAndResumedRun(store);
  const keys = await listEventFiles(store, DIR);
  assert.deepEqual(keys, [
    `${DIR}/events.out.tfevents.1700000000.node-a`,
    `${DIR}/events.out.tfevents.1700001000.node-b`,
  ]);

  const tb = await readWithTensorBoard(join(root, DIR));
  assert.equal(tb.file_version, 2);

  const expected = expectedScalars();
  assert.deepEqual(Object.keys(tb.scalars).sort(), [...expected.keys()].sort());
  let compared = 0;
  for (const [tag, want] of expected) {
    const got = tb.scalars[tag];
    assert.equal(
      got.length,
      want.length,
      `${tag}: TensorBoard has ${got.length} points, netgrow wrote ${want.length}`,
    );
    want.forEach((w, i) => {
      const g = got[i];
      assert.equal(g.step, w.step, `${tag}[${i}] step`);
      assert.equal(g.wall_time, w.wallTime, `${tag}[${i}] wall_time`);
      // simple_value is a float32: the exact float32 rounding of what was logged.
      assert.ok(
        Object.is(pyNumber(g.value), Math.fround(w.value)),
        `${tag}@${w.step}: ${g.value} vs ${w.value}`,
      );
      compared++;
    });
  }
  // 6 epochs x 8 epoch tags + 12 step rows x 5 batch tags: nothing lost, nothing duplicated.
  assert.equal(compared, 6 * 8 + 12 * 5);
  // The resumed values replaced the crashed tail: epoch 4's loss is the resumed one.
  assert.equal(tb.scalars['epoch/loss'].find((p) => p.step === 40)?.value, Math.fround(1 + 1 / 4));

  assert.deepEqual(Object.keys(tb.texts), ['model/summary']);
  const [text] = tb.texts['model/summary'];
  assert.deepEqual(
    { ...text },
    { step: 0, wall_time: T0, plugin: 'text', dtype: 7, rank: 0, text: [SUMMARY] },
  );

  // netgrow's own reader applies the same resume rule TensorBoard does.
  const ours = await readRunEvents(store, DIR);
  const oursScalars = ours.filter((r): r is Extract<EventRecord, { kind: 'scalar' }> => r.kind === 'scalar');
  assert.equal(oursScalars.length, compared);
});

test('within one process the file only grows: each flush puts the old bytes plus new records', async () => {
  const { store } = await tempStore();
  const w = await openEventWriter(store, DIR, { host: 'h', clock: () => T0 });
  const header = Buffer.from(await store.get(w.key));
  w.addScalar('epoch/loss', 10, 0.5, T0 + 1);
  await w.flush();
  const after = Buffer.from(await store.get(w.key));
  assert.ok(after.length > header.length);
  assert.deepEqual(after.subarray(0, header.length), header);

  const decoded = decodeEventFile(after, w.key);
  assert.equal(decoded.tornBytes, 0);
  assert.deepEqual(decoded.records, [
    { kind: 'file_version', wallTime: T0, step: 0, version: 'brain.Event:2' },
    { kind: 'start', wallTime: T0, step: 0 },
    { kind: 'scalar', wallTime: T0 + 1, step: 10, tag: 'epoch/loss', value: 0.5 },
  ]);
});

test('on file:// a flush appends in place (same file, TensorBoard tails it live); a failed append is repaired by a whole rewrite', async () => {
  const { store, root } = await tempStore();
  const w = await openEventWriter(store, DIR, { host: 'h', clock: () => T0 });
  const path = join(root, ...w.key.split('/'));
  const inode = statSync(path).ino;
  w.addScalar('epoch/loss', 10, 0.5, T0 + 1);
  await w.flush();
  w.addScalar('epoch/loss', 20, 0.25, T0 + 2);
  await w.flush();
  await w.flush(); // nothing new: nothing written
  assert.equal(statSync(path).ino, inode, 'the file was appended to, not replaced');
  assert.deepEqual(Buffer.from(await store.get(w.key)), Buffer.from(w.contents()));

  // An append that fails after writing part of its bytes leaves a torn tail; the next flush
  // puts the whole file again instead of appending after it.
  const appendBytes = store.appendBytes!.bind(store);
  store.appendBytes = async (key, bytes) => {
    await appendBytes(key, bytes.subarray(0, 3));
    throw new Error('disk full');
  };
  w.addScalar('epoch/loss', 30, 0.125, T0 + 3);
  await assert.rejects(w.flush(), /disk full/);
  store.appendBytes = appendBytes;
  await w.flush();
  const repaired = decodeEventFile(Buffer.from(await store.get(w.key)), w.key);
  assert.equal(repaired.tornBytes, 0);
  assert.deepEqual(
    repaired.records.filter((r) => r.kind === 'scalar').map((r) => r.step),
    [10, 20, 30],
  );
});

test('two starts in the same second get distinct files that sort in start order', async () => {
  const { store } = await tempStore();
  const a = await openEventWriter(store, DIR, { host: 'h', clock: () => T0 });
  const b = await openEventWriter(store, DIR, { host: 'h', clock: () => T0 + 0.5, resumeAfterStep: 0 });
  const c = await openEventWriter(store, '', { host: 'my host/1', clock: () => T0 });
  assert.notEqual(a.key, b.key);
  assert.deepEqual(await listEventFiles(store, DIR), [a.key, b.key]);
  assert.equal(c.key, 'events.out.tfevents.1700000000.my_host_1');
  await assert.rejects(
    openEventWriter(store, DIR, { resumeAfterStep: -1 }),
    /resumeAfterStep must be an integer >= 0/,
  );
  assert.throws(() => a.addScalar('x', 1.5, 1), /event step must be an integer >= 0, received 1.5/);
});
