import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DivergenceMonitor } from '../../src/train/divergence';
import { EarlyStopping, LrSchedule } from '../../src/train/schedule';

describe('learning-rate schedules', () => {
  test('step and cosine', () => {
    const step = new LrSchedule({ kind: 'step', every: 2, factor: 0.1 }, 1, 6);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((e) => +step.lrAt(e, 0.5).toPrecision(6)),
      [1, 1, 0.1, 0.1, 0.01],
    );
    const cos = new LrSchedule({ kind: 'cosine', minLr: 0.1 }, 1.1, 4);
    assert.equal(cos.lrAt(0, 0), 1.1);
    assert.ok(Math.abs(cos.lrAt(2, 0) - 0.6) < 1e-12);
    assert.ok(cos.lrAt(1, 0.5) < cos.lrAt(1, 0.25), 'cosine decays within an epoch');
    assert.ok(Math.abs(cos.lrAt(3, 1) - 0.1) < 1e-12);
  });

  test('plateau: factor after `patience` epochs without improvement, state survives a snapshot', () => {
    const s = new LrSchedule({ kind: 'plateau', factor: 0.5, patience: 2, minLr: 0.2 }, 1, 10);
    for (const loss of [1, 0.9, 0.95, 0.92]) s.endEpoch(loss);
    assert.equal(s.lrAt(4, 0), 0.5);
    const copy = new LrSchedule(
      { kind: 'plateau', factor: 0.5, patience: 2, minLr: 0.2 },
      1,
      10,
      s.snapshot(),
    );
    for (const loss of [0.91, 0.93, 0.94, 0.95]) copy.endEpoch(loss);
    assert.equal(copy.lrAt(8, 0), 0.2, 'never below minLr');
  });

  test('early stopping on accuracy with min delta; patience 0 never stops', () => {
    const e = new EarlyStopping(2, 0.01);
    assert.deepEqual(
      [0.5, 0.6, 0.605, 0.608].map((a) => e.endEpoch(a)),
      [false, false, false, true],
    );
    const off = new EarlyStopping(0, 0.01);
    assert.ok([0.5, 0.5, 0.5, 0.5].every((a) => !off.endEpoch(a)));
  });
});

describe('divergence monitor', () => {
  const opts = { multiple: 5, window: 20, classes: 10 };
  test('NaN and Inf diverge at once', () => {
    assert.match(new DivergenceMonitor(opts).check(NaN)!, /NaN/);
    assert.match(new DivergenceMonitor(opts).check(Infinity)!, /Infinity/);
  });
  test('an explosion beyond multiple × median and above chance level diverges', () => {
    const m = new DivergenceMonitor(opts);
    for (let i = 0; i < 12; i++) assert.equal(m.check(1 + 0.01 * i), null);
    assert.match(m.check(40)!, /exceeds 5 × the running median/);
  });
  test('a spike below twice the chance-level loss 2·ln(classes) is noise', () => {
    const m = new DivergenceMonitor(opts);
    for (let i = 0; i < 12; i++) m.check(0.01);
    assert.equal(m.check(4.5), null);
    assert.match(m.check(4.7)!, /exceeds/);
  });
  test('judged from the second step on', () => {
    const m = new DivergenceMonitor(opts);
    assert.equal(m.check(2.3), null);
    assert.match(m.check(1e9)!, /exceeds 5 × the running median 2.300 of the last 1 steps/);
  });
});
