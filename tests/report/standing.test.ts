import assert from 'node:assert/strict';
import { trainRow } from './fixture';
import { describe, test } from 'node:test';
import { candidateIdOf, CandidateData, configView, ExperimentData, RunData } from '../../src/report/collect';
import {
  ancestry,
  experimentTotals,
  rankStandings,
  runStatus,
  runValAcc,
  standingOf,
} from '../../src/report/standing';
import { TrainResult } from '../../src/contracts/train';

const row = trainRow;
const result = (
  status: TrainResult['status'],
  valAcc: number | null,
  testAcc: number | null = null,
): TrainResult => ({
  format: 'netgrow.trainresult/v1',
  runId: 'r',
  status,
  epochsRun: 3,
  steps: 30,
  final: null,
  best: valAcc === null ? null : { loss: 0.3, acc: 0.9, valLoss: 0.4, valAcc, epoch: 2 },
  test: testAcc === null ? null : { loss: 0.4, acc: testAcc },
  wallSeconds: 60,
  checkpoint: null,
  resumedFromEpoch: null,
  diverged: null,
});
const run = (over: Partial<RunData>): RunData => ({
  runId: 'r1',
  rows: [],
  result: null,
  lineageStatus: null,
  wallSeconds: null,
  ...over,
});
const cand = (id: string, parent: string | null, runs: RunData[]): CandidateData => ({
  id,
  meta: null,
  parent,
  operation: parent ? 'wider fc1 x2' : 'init',
  ops: parent ? ['wider fc1 x2'] : [],
  generation: null,
  params: 100,
  runs,
});

describe('standings', () => {
  test("a run's val accuracy comes from result.json, else from its best finite epoch row", () => {
    assert.equal(runValAcc(run({ result: result('completed', 0.91), rows: [row(1, 0.99)] })), 0.91);
    assert.equal(
      runValAcc(run({ rows: [row(1, 0.8), row(2, NaN), row(3, 0.85), row(3, 0.99, 'step')] })),
      0.85,
    );
    assert.equal(runValAcc(run({ rows: [row(1, null)] })), null);
  });

  test('run status: result first, then the lineage, then "rows but nothing else" means running', () => {
    assert.equal(runStatus(run({ result: result('diverged', null), lineageStatus: 'started' })), 'diverged');
    assert.equal(runStatus(run({ lineageStatus: 'retrying' })), 'running');
    assert.equal(runStatus(run({ lineageStatus: 'failed' })), 'failed');
    assert.equal(runStatus(run({ rows: [row(1, 0.5)] })), 'running');
    assert.equal(runStatus(run({})), 'untrained');
  });

  test('a candidate takes its figures from its best run and its status by precedence', () => {
    const s = standingOf(
      cand('c2', 'c0', [
        run({ runId: 'r1', result: result('diverged', 0.7), wallSeconds: 30 }),
        run({ runId: 'r2', result: result('completed', 0.88, 0.87), rows: [row(1, 0.8)], wallSeconds: 60 }),
      ]),
    );
    assert.equal(s.status, 'completed');
    assert.equal(s.valAcc, 0.88);
    assert.equal(s.testAcc, 0.87);
    assert.equal(s.epochs, 3);
    assert.equal(s.bestRun?.runId, 'r2');
    assert.equal(s.trainSeconds, 90);
    const none = standingOf(cand('c9', 'c0', []));
    assert.deepEqual([none.status, none.valAcc, none.bestRun, none.epochs], ['untrained', null, null, null]);
  });

  test('ranking: best val accuracy first, untrained last in natural id order', () => {
    const ranked = rankStandings(
      [
        cand('c10', null, []),
        cand('c2', null, []),
        cand('c1', null, [run({ result: result('completed', 0.8) })]),
        cand('c3', null, [run({ result: result('completed', 0.9) })]),
      ].map(standingOf),
    );
    assert.deepEqual(
      ranked.map((s) => s.id),
      ['c3', 'c1', 'c2', 'c10'],
    );
  });

  test('ancestry walks parents up to the first network and stops on a cycle', () => {
    const parents = new Map<string, string | null>([
      ['c0', null],
      ['c1', 'c0'],
      ['c3', 'c1'],
      ['x', 'y'],
      ['y', 'x'],
      ['z', 'file:///elsewhere'],
    ]);
    assert.deepEqual(ancestry('c3', parents), ['c0', 'c1', 'c3']);
    assert.deepEqual(ancestry('x', parents), ['y', 'x']);
    assert.deepEqual(ancestry('z', parents), ['z']);
  });

  test('totals: counts per status, the best, wall time from the lineage clock', () => {
    const candidates = [
      cand('c0', null, [run({ result: result('completed', 0.8) })]),
      cand('c1', 'c0', [run({ lineageStatus: 'started' })]),
      cand('c2', 'c0', [run({ result: result('diverged', null) })]),
    ];
    const data: ExperimentData = {
      id: 'e1',
      prefix: 'experiments/e1',
      storeUri: 'file:///r',
      config: null,
      configText: null,
      candidates,
      lineage: [
        {
          type: 'generation',
          at: '2025-01-01T10:00:00.000Z',
          generation: 0,
          status: 'started',
          candidates: [],
          best: null,
        },
        {
          type: 'generation',
          at: '2025-01-02T12:30:00.000Z',
          generation: 1,
          status: 'finished',
          candidates: [],
          best: null,
        },
      ],
      notes: [],
    };
    const t = experimentTotals(data, rankStandings(candidates.map(standingOf)));
    assert.equal(t.candidates, 3);
    assert.deepEqual(t.byStatus, {
      completed: 1,
      stopped: 0,
      running: 1,
      diverged: 1,
      failed: 0,
      untrained: 0,
    });
    assert.equal(t.best?.id, 'c0');
    assert.equal(t.wallSeconds, 26.5 * 3600);
  });
});

describe('reading experiment.json and references', () => {
  test('the config view is lenient: known fields are described, anything else is ignored', () => {
    assert.deepEqual(
      configView({
        name: 'fmnist-ga',
        dataset: { name: 'fashion-mnist', limit: 0.1, nested: { x: 1 } },
        start: { arch: 'seed-ga' },
        strategy: { kind: 'plan', stages: ['a', 'b', 'c'] },
        unknown: true,
      }),
      {
        name: 'fmnist-ga',
        strategy: { name: 'plan', detail: 'stages 3' },
        dataset: { name: 'fashion-mnist', detail: 'limit 0.1' },
        start: { name: 'seed-ga', detail: null },
        createdAt: null,
      },
    );
    assert.deepEqual(configView({ name: 42, dataset: 'mnist', strategy: [1] }), {
      name: null,
      strategy: null,
      dataset: { name: 'mnist', detail: null },
      start: null,
      createdAt: null,
    });
    assert.equal(
      configView({ id: 'e1', createdAt: '2025-01-01T00:00:00Z', config: { name: 'inner' } }).name,
      'inner',
    );
    assert.equal(configView(null).name, null);
  });

  test('a parent reference names a candidate whether it is an id, a key or a URI', () => {
    assert.equal(candidateIdOf('c3'), 'c3');
    assert.equal(candidateIdOf('experiments/e1/candidates/c3'), 'c3');
    assert.equal(candidateIdOf('s3://bucket/p/experiments/e1/candidates/c3/'), 'c3');
    assert.equal(candidateIdOf('file:///models/teacher'), 'file:///models/teacher');
  });
});
