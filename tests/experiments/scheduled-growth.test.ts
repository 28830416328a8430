/**
 * The scheduled-growth driver at test size: half-width LeNet grown twice within one run into
 * LeNet, against LeNet from scratch, on a tiny synthetic dataset; FLOPs per stage counted from
 * the architectures and checked by the driver against each run's own count.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GROUPS, runScheduledGrowth } from '../../experiments/scheduled-growth';
import { checkSummary, needsGraphEngine, tempPlace, TINY_DATA } from './support';

test('scheduled-growth driver: a run grown at two points against its final architecture from scratch', async (t) => {
  const { out, results } = await tempPlace('grow', t);
  const r = await runScheduledGrowth(
    [...TINY_DATA, '--set', 'seeds=2', '--set', 'epochs=4', '--out', out, '--results', results],
    () => {},
  );
  const s = checkSummary(r, results, GROUPS, 2);
  const [grown, scratch] = GROUPS.map((g) => s.runs.filter((x) => x.group === g));
  // The same final architecture, fewer FLOPs for the run that was smaller for half its epochs.
  for (let i = 0; i < 2; i++) {
    assert.equal(grown[i].params, scratch[i].params, 'grown into the control architecture');
    assert.ok(
      grown[i].trainFlops! < scratch[i].trainFlops!,
      `${grown[i].trainFlops} vs ${scratch[i].trainFlops}`,
    );
    assert.equal(grown[i].epochs, 4);
  }
  assert.match(
    s.notes.join('\n'),
    /seed 1: target 0\.\d{4}; grown reached it at (\d+\.\d GFLOPs|no epoch), scratch at \d+\.\d GFLOPs/,
  );

  // Again over the same output with reuse: every run is reported from its folder, none trained.
  const again = await runScheduledGrowth(
    [
      ...TINY_DATA,
      '--set',
      'seeds=2',
      '--set',
      'epochs=4',
      '--set',
      'reuse=true',
      '--out',
      out,
      '--results',
      results,
    ],
    () => {},
  );
  const s2 = checkSummary(again, results, GROUPS, 2);
  assert.match(
    s2.notes[0],
    /^not trained by this run \(`reuse`\): grown during training seed 1, final architecture from scratch seed 1, grown during training seed 2, final architecture from scratch seed 2,/,
  );
  assert.deepEqual(
    s2.runs.map((x) => [x.group, x.valAcc, x.testAcc, x.wallSeconds]),
    s.runs.map((x) => [x.group, x.valAcc, x.testAcc, x.wallSeconds]),
  );
});

test(
  'scheduled-growth driver: resnet-s at half width grown into resnet-s, the modern recipe on the graph engine',
  { skip: needsGraphEngine() },
  async (t) => {
    const { out, results } = await tempPlace('grow-resnet', t);
    const set = {
      seeds: 1,
      epochs: 4,
      network: 'resnet-s',
      grow1: 'wider conv1 x2; wider conv2 x2; wider conv4 x2; wider conv5 x2',
      grow2: 'wider conv7 x2; wider conv8 x2',
      nesterov: true,
      warmupEpochs: 1,
      weightDecay: 0.0005,
      labelSmoothing: 0.1,
      augment: true,
      engine: 'graph',
    };
    const argv = Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    const r = await runScheduledGrowth([...TINY_DATA, ...argv, '--out', out, '--results', results], () => {});
    const s = checkSummary(r, results, GROUPS, 1);
    const [grown, scratch] = GROUPS.map((g) => s.runs.find((x) => x.group === g)!);
    assert.equal(grown.params, scratch.params, 'grown into resnet-s');
    assert.ok(grown.trainFlops! < scratch.trainFlops!, `${grown.trainFlops} vs ${scratch.trainFlops}`);
    assert.match(
      readFileSync(results, 'utf8'),
      /Nesterov, batch 64, 1-epoch warm-up, weight decay 0\.0005, label smoothing 0\.1, crops \+ flips, on the graph engine/,
    );
  },
);
