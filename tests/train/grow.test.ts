/**
 * Scheduled growth: one run that grows its network at given points of one schedule, weights
 * and optimizer state through the commands; checkpoints across the growth points resume to the
 * same run, whether stopped mid-epoch after a growth or paused at a boundary before it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { TrainSpecInput } from '../../src/contracts/train';
import { readTrainCsv } from '../../src/log';
import { readCheckpoint } from '../../src/model';
import { openStore } from '../../src/storage';
import { readContinuation } from '../../src/train/continuation';
import { runTraining } from '../../src/train/run';
import { useTestBackend } from '../support/backend';
import { assertSameRun, lines, patternData, startCheckpoint, tempDir, tinyNet } from './fixtures';
import { countFlops, initWeights, Rng } from '../../src/graph';
import { applyCommands } from '../../src/morph';

before(async () => {
  await useTestBackend();
});

const LR = 0.03;
const PER_EPOCH = 16;

const spec = (start: string, output: string, extra: Partial<TrainSpecInput> = {}): TrainSpecInput => ({
  runId: 'grow',
  checkpoint: start,
  output,
  epochs: 4,
  batchSize: 16,
  logEverySteps: 1,
  optimizer: { kind: 'sgd', lr: LR, momentum: 0.9 },
  schedule: { kind: 'cosine' },
  continue: 'lineage',
  grow: [
    { at: 0.25, ops: 'wider conv1 x2' },
    { at: 0.5, ops: 'deeper fc1' },
  ],
  ...extra,
});

async function finalNet(uri: string) {
  return readCheckpoint(openStore(uri), '');
}

function assertSameWeights(a: Awaited<ReturnType<typeof finalNet>>, b: Awaited<ReturnType<typeof finalNet>>) {
  assert.deepEqual([...a.weights.keys()], [...b.weights.keys()]);
  for (const [k, t] of a.weights) {
    const d = t.data.reduce((m, x, i) => Math.max(m, Math.abs(x - b.weights.get(k)!.data[i])), 0);
    assert.ok(d <= 1e-6, `${k} differs by ${d}`);
  }
}

describe('scheduled growth', () => {
  test('grows at its points and trains on along one schedule, optimizer state carried', async () => {
    const dir = tempDir('grow');
    const start = await startCheckpoint(dir);
    const quiet = lines();
    const r = await runTraining(spec(start, join(dir, 'run')), { data: patternData(), log: quiet.log });
    assert.equal(r.status, 'completed');
    assert.equal(r.steps, 4 * PER_EPOCH);
    assert.ok(quiet.all.some((l) => /^grew after epoch 1: wider conv1 x2 \(1,148 → /.test(l)));
    assert.ok(quiet.all.some((l) => /^grew after epoch 2: deeper fc1 /.test(l)));
    const net = await finalNet(r.checkpoint!);
    const conv1 = net.graph.nodes.find((n) => n.id === 'conv1');
    assert.equal(conv1?.kind === 'conv2d' && conv1.filters, 8);
    assert.ok(net.graph.nodes.some((n) => n.id === 'fc1_deep1'));
    // FLOPs counted per network trained: epoch 1 on the start, epoch 2 widened, 3–4 also deepened.
    const rows = PER_EPOCH * 16;
    const grown1 = applyCommands(
      tinyNet(),
      initWeights(tinyNet(), new Rng(1)),
      ['wider conv1 x2'],
      new Rng(2),
    ).graph;
    const grown2 = applyCommands(grown1, initWeights(grown1, new Rng(1)), ['deeper fc1'], new Rng(2)).graph;
    const per = [tinyNet(), grown1, grown2].map((g) => countFlops(g).trainFlops);
    assert.ok(per[0] < per[1] && per[1] < per[2]);
    assert.equal(r.trainFlops, rows * (per[0] + per[1] + 2 * per[2]));
    // The optimizer went through both growths: its iteration count never restarted.
    const carried = await readContinuation(openStore(r.checkpoint!), '', net.meta);
    assert.equal(carried!.optimizer!.meta.iterations, 4 * PER_EPOCH);
    const rates = (await readTrainCsv(openStore(join(dir, 'run')), 'train.csv'))
      .filter((row) => row.kind === 'step')
      .map((row) => row.lr);
    rates.forEach((lr, k) => {
      const want = (LR * (1 + Math.cos((Math.PI * k) / PER_EPOCH / 4))) / 2;
      assert.ok(Math.abs(lr - want) < 1e-9, `step ${k + 1}: lr ${lr}, want ${want}`);
    });
  });

  test('stopped mid-epoch after a growth, or paused at a boundary before one: resumed, the same run', async () => {
    const dir = tempDir('grow-resume');
    const start = await startCheckpoint(dir);
    const quiet = lines();
    const whole = await runTraining(spec(start, join(dir, 'whole')), { data: patternData(), log: quiet.log });

    const mid = join(dir, 'mid');
    const stop = new AbortController();
    const first = await runTraining(spec(start, mid), {
      data: patternData(),
      log: quiet.log,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.step >= 40) stop.abort(); // epoch 3: after both growths
      },
    });
    assert.equal(first.status, 'stopped');
    const resumed = await runTraining(spec(start, mid), { data: patternData(), log: quiet.log });
    assertSameRun(whole, resumed);
    assertSameWeights(await finalNet(whole.checkpoint!), await finalNet(resumed.checkpoint!));

    const boundary = join(dir, 'boundary');
    const paused = await runTraining(spec(start, boundary, { pauseAfterEpoch: 1 }), {
      data: patternData(),
      log: quiet.log,
    });
    assert.equal(paused.status, 'stopped');
    const before = await finalNet(paused.checkpoint!);
    const conv1 = before.graph.nodes.find((n) => n.id === 'conv1');
    assert.equal(
      conv1?.kind === 'conv2d' && conv1.filters,
      4,
      'the boundary checkpoint holds the network before growth',
    );
    const again = await runTraining(spec(start, boundary), { data: patternData(), log: quiet.log });
    assertSameRun(whole, again);
    assertSameWeights(await finalNet(whole.checkpoint!), await finalNet(again.checkpoint!));
  });

  test('init random: the new units from the initialisers, said in the growth line; same shapes as preserve', async () => {
    const dir = tempDir('grow-random');
    const start = await startCheckpoint(dir);
    const runs = [];
    for (const init of ['preserve', 'random'] as const) {
      const quiet = lines();
      const grow = [{ at: 0.25, ops: 'wider conv1 x2', init }];
      const r = await runTraining(spec(start, join(dir, init), { epochs: 2, grow }), {
        data: patternData(),
        log: quiet.log,
      });
      assert.equal(r.status, 'completed');
      const line = quiet.all.find((l) => l.startsWith('grew after epoch 1: wider conv1 x2'));
      assert.ok(line, quiet.all.join('\n'));
      assert.equal(line.includes('not function-preserving'), init === 'random', line);
      runs.push(await finalNet(r.checkpoint!));
    }
    const [kept, drawn] = runs;
    assert.deepEqual(
      [...drawn.weights].map(([k, t]) => [k, t.shape]),
      [...kept.weights].map(([k, t]) => [k, t.shape]),
    );
    // Same seed, same data and schedule up to the growth: only the new units' values differ.
    const fc1 = (n: typeof kept) => [...n.weights.get('fc1/kernel')!.data];
    assert.notDeepEqual(fc1(drawn), fc1(kept));
  });

  test('a growth point outside the run or out of order is one clear spec error', async () => {
    const dir = tempDir('grow-bad');
    const start = await startCheckpoint(dir);
    await assert.rejects(
      runTraining(spec(start, join(dir, 'a'), { grow: [{ at: 0.1, ops: 'deeper fc1' }] }), {
        data: patternData(),
      }),
      /grow\.0\.at 0\.1 of 4 epochs is epoch 0; a growth point must fall after epoch 1 to 3/,
    );
    await assert.rejects(
      runTraining(
        spec(start, join(dir, 'b'), {
          grow: [
            { at: 0.5, ops: 'deeper fc1' },
            { at: 0.4, ops: 'deeper fc1' },
          ],
        }),
        { data: patternData() },
      ),
      /grow\.1 falls at epoch 2, not after grow\.0 \(epoch 2\)/,
    );
  });
});
