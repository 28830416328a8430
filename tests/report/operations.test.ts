import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineageEvent, type LineageEventInput } from '../../src/contracts/lineage';
import { operationKind, operationStats } from '../../src/report/operations';

const parse = (events: LineageEventInput[]) => events.map((e) => LineageEvent.parse(e));
const mutation = (parent: string, child: string, op: string): LineageEventInput => ({
  type: 'mutation',
  parent,
  child,
  op,
  paramsBefore: 10,
  paramsAfter: 20,
  preserving: true,
});
const trained = (
  candidate: string,
  valAcc: number,
  status: 'completed' | 'diverged' = 'completed',
): Extract<LineageEventInput, { type: 'training' }> => ({
  type: 'training',
  candidate,
  runId: `${candidate}-a1`,
  status,
  epochs: 2,
  metrics: { valAcc },
  wallSeconds: 1,
});

describe('per-operation statistics', () => {
  test('the verb of a command is its kind', () => {
    assert.equal(operationKind('wider conv2 x2'), 'wider');
    assert.equal(operationKind('  deeper fc1'), 'deeper');
  });

  test('chosen, compared, beat parent and mean gain per kind, most chosen first', () => {
    const stats = operationStats(
      parse([
        trained('g0-c0', 0.8),
        mutation('start:seed-ga', 'g0-c0', 'wider conv1 x2'), // parent never scored: not compared
        mutation('g0-c0', 'g1-c0', 'wider conv1 x2'),
        trained('g1-c0', 0.85),
        mutation('g0-c0', 'g1-c1', 'deeper conv2'),
        trained('g1-c1', 0.7),
        // two commands make one child: both are credited with its gain
        mutation('g1-c0', 'g2-c0', 'deeper fc1'),
        mutation('g1-c0', 'g2-c0', 'wider fc1 x2'),
        trained('g2-c0', 0.9),
        // a child whose run diverged is chosen but not compared
        mutation('g1-c0', 'g2-c1', 'kernel conv1 5'),
        trained('g2-c1', 0.1, 'diverged'),
      ]),
    );
    const round = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);
    assert.deepEqual(
      stats.map((s) => [s.op, s.chosen, s.compared, s.beatParent, round(s.meanGain)]),
      [
        ['wider', 3, 2, 2, round((0.05 + 0.05) / 2)],
        ['deeper', 2, 2, 1, round((-0.1 + 0.05) / 2)],
        ['kernel', 1, 0, 0, null],
      ],
    );
  });

  test("a trainer's own events (`val_acc`) count, and the last completed run of a candidate wins", () => {
    const stats = operationStats(
      parse([
        { ...trained('a', 0), metrics: { val_acc: 0.5 } },
        mutation('a', 'b', 'deeper conv1'),
        trained('b', 0.4),
        trained('b', 0.6),
      ]),
    );
    assert.equal(stats[0].beatParent, 1);
    assert.ok(Math.abs(stats[0].meanGain! - 0.1) < 1e-12);
  });

  test("against the continue control: each child against its parent's control of the same generation", () => {
    const gen = (e: LineageEventInput, generation: number) => ({ ...e, generation }) as LineageEventInput;
    const control = (candidate: string, of: string, generation: number): LineageEventInput => ({
      type: 'control',
      generation,
      candidate,
      of,
      kind: 'continue',
    });
    const stats = operationStats(
      parse([
        trained('g0-c0', 0.8),
        control('g1-c2', 'g0-c0', 1),
        gen(mutation('g0-c0', 'g1-c0', 'wider conv1 x2'), 1),
        trained('g1-c0', 0.86),
        gen(mutation('g0-c0', 'g1-c1', 'deeper conv2'), 1),
        trained('g1-c1', 0.83),
        trained('g1-c2', 0.85), // the control: beats its parent too, on epochs alone
        // generation 2 grows from g1-c0; its control diverged: compared with the parent only
        control('g2-c1', 'g1-c0', 2),
        gen(mutation('g1-c0', 'g2-c0', 'deeper conv3'), 2),
        trained('g2-c0', 0.87),
        trained('g2-c1', 0.1, 'diverged'),
      ]),
    );
    const round = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);
    assert.deepEqual(
      stats.map((s) => [
        s.op,
        s.beatParent,
        s.compared,
        s.againstControl!.beat,
        s.againstControl!.compared,
        round(s.againstControl!.meanGain),
      ]),
      [
        ['deeper', 2, 2, 0, 1, round(0.83 - 0.85)],
        ['wider', 1, 1, 1, 1, round(0.86 - 0.85)],
      ],
    );
    // Without control events the field is absent: the figures cannot be read as controlled.
    assert.equal(
      operationStats(parse([trained('a', 0.5), mutation('a', 'b', 'deeper conv1'), trained('b', 0.6)]))[0]
        .againstControl,
      undefined,
    );
  });

  test('no mutations, no statistics', () => {
    assert.deepEqual(operationStats(parse([trained('a', 0.5)])), []);
  });
});
