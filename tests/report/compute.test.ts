import assert from 'node:assert/strict';
import { trainRow } from './fixture';
import { test } from 'node:test';
import type { TrainResult } from '../../src/contracts/train';
import { CONTINUE_OPERATION } from '../../src/report/collect';
import { computeChart, computeSeries } from '../../src/report/compute';
import type { Standing } from '../../src/report/standing';

const row = trainRow;

/** A completed candidate: `accs` by epoch, `flops` and `seconds` for its one run. */
function standing(
  id: string,
  parent: string | null,
  generation: number,
  accs: number[],
  flops: number,
  seconds: number,
  over: Partial<Standing> = {},
): Standing {
  const result = {
    format: 'netgrow.trainresult/v1',
    runId: `${id}-a1`,
    status: 'completed',
    epochsRun: accs.length,
    steps: accs.length * 10,
    final: null,
    best: null,
    test: null,
    wallSeconds: seconds,
    trainFlops: flops,
    checkpoint: null,
    resumedFromEpoch: null,
    diverged: null,
  } as TrainResult;
  return {
    id,
    parent,
    operation: parent ? 'wider conv1 x2' : 'init',
    generation,
    params: 100,
    valAcc: Math.max(...accs),
    testAcc: null,
    finalist: false,
    score: null,
    control: null,
    epochs: accs.length,
    status: 'completed',
    bestRun: {
      runId: result.runId,
      rows: accs.map((a, i) => row(i + 1, a)),
      result,
      lineageStatus: null,
      wallSeconds: seconds,
    },
    trainSeconds: seconds,
    trainFlops: flops,
    ...over,
  };
}

test('the grown lineage is placed after what its ancestors cost; controls start where their sibling does', () => {
  // g0-c0: 2 epochs, 100 FLOPs; g1-c0 (grown): 2 epochs, 400 FLOPs, but a diverged retry made
  // its whole cost 500; g1-c1: g0-c0 continued; scratch: the winner from random weights.
  const g0 = standing('g0-c0', null, 0, [0.6, 0.7], 100, 10);
  const g1 = standing('g1-c0', 'g0-c0', 1, [0.75, 0.8], 400, 40, { trainFlops: 500, trainSeconds: 50 });
  const cont = standing('g1-c1', 'g0-c0', 1, [0.72, 0.74], 100, 10, { operation: CONTINUE_OPERATION });
  const scratch = standing('scratch', null, 2, [0.5, 0.65, 0.78], 600, 60, { control: 'g1-c0' });
  const series = computeSeries([g0, g1], [g1, cont, g0, scratch], 'flops');
  assert.deepEqual(
    series.map((s) => [s.name, s.points]),
    [
      [
        'grown lineage of g1-c0',
        [
          [50, 0.6],
          [100, 0.7],
          [300, 0.75],
          [500, 0.8],
        ],
      ],
      [
        'continue control g1-c1',
        [
          [100, 0.7],
          [150, 0.72],
          [200, 0.74],
        ],
      ],
      [
        'scratch control scratch',
        [
          [200, 0.5],
          [400, 0.65],
          [600, 0.78],
        ],
      ],
    ],
  );
  const bySeconds = computeSeries([g0, g1], [g1, cont, g0, scratch], 'seconds');
  assert.deepEqual(
    bySeconds[0].points.at(-1),
    [10 + 40, 0.8],
    'the path ends at its own run, placed after g0-c0',
  );
  const svg = computeChart([g0, g1], [g1, cont, g0, scratch], 'flops', 'c').text;
  for (const label of ['grown lineage', 'continue controls', 'scratch control', 'training FLOPs']) {
    assert.ok(svg.includes(label), label);
  }
});

test('a stage without a counted cost ends the lineage curve there; nothing counted, nothing drawn', () => {
  const g0 = standing('g0-c0', null, 0, [0.6, 0.7], 100, 10);
  const uncounted = standing('g1-c0', 'g0-c0', 1, [0.8], 0, 10, { trainFlops: null });
  uncounted.bestRun!.result = { ...uncounted.bestRun!.result!, trainFlops: undefined };
  const series = computeSeries([g0, uncounted], [g0, uncounted], 'flops');
  assert.deepEqual(
    series.map((s) => s.points.length),
    [2],
  );
  const none = standing('g0-c0', null, 0, [0.6], 0, 10, { trainFlops: null });
  none.bestRun!.result = { ...none.bestRun!.result!, trainFlops: undefined };
  assert.deepEqual(computeSeries([none], [none], 'flops'), []);
});
