/**
 * `backend: graph` trains as tfjs eager does: the same spec, seed, data and start checkpoint
 * run through runTraining on the graph engine and on tfjs eager (the `tensorflow` backend) give
 * the same per-step losses to 1e-4 over the first steps — with the recipe's features on (warm-up
 * and cosine on the rate, Nesterov momentum or Adam, decoupled weight decay, label smoothing,
 * clipping, L2, distillation with transfer rows) — and a checkpoint written by either engine
 * resumes on the other to the same losses. `netgrow train --backend graph` and `netgrow bench
 * train --backend graph` say that the engine ran. Skipped, with the reason, where the engine's
 * addon or the tensorflow backend is not built.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { loadNative } from '../../src/backend/native';
import { BackendChoice, TrainResult, TrainSpecInput } from '../../src/contracts/train';
import { loadGraphAddon } from '../../src/engine/native';
import { readTrainCsv } from '../../src/log/train-csv';
import { tf } from '../../src/model';
import { openStore } from '../../src/storage';
import { runTraining } from '../../src/train/run';
import { skipWhen } from '../support/skip';
import { lines, patternData, startCheckpoint, tempDir, tinyNet } from './fixtures';

const BIN = resolve(__dirname, '../../bin/netgrow.js');
const TOLERANCE = 1e-4;
const STEPS = 8;
const native = loadNative();
const { why } = loadGraphAddon();
const skip =
  skipWhen('no-native', 'why' in native ? native.why : null) || skipWhen('no-graph-engine', why || null);

type Engine = 'graph' | 'tensorflow';
const chosen = (name: Engine) => async (): Promise<BackendChoice> => ({
  name,
  how: 'asked',
  why: 'the test',
});

async function train(engine: Engine, spec: TrainSpecInput, data = patternData()): Promise<TrainResult> {
  const quiet = lines();
  return runTraining(spec, { data, log: quiet.log, chooseBackend: chosen(engine) });
}

/** Each step's own loss, from train.csv's running means of a run logging every step. */
async function stepLosses(output: string): Promise<number[]> {
  const rows = (await readTrainCsv(openStore(output), 'train.csv')).filter((r) => r.kind === 'step');
  return rows.map((r, i) => {
    const k = i + 1; // one epoch: row k is the mean of the first k steps (equal batches)
    return i === 0 ? r.loss : k * r.loss - i * rows[i - 1].loss;
  });
}

function assertClose(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length, `${what}: ${a.length} vs ${b.length} steps`);
  const worst = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  assert.ok(
    worst <= TOLERANCE,
    `${what}: differ by up to ${worst}: graph ${a.join(', ')} vs eager ${b.join(', ')}`,
  );
}

const base = (start: string, output: string): TrainSpecInput => ({
  runId: 'engine',
  checkpoint: start,
  output,
  epochs: 1,
  maxSteps: STEPS,
  batchSize: 16,
  logEverySteps: 1,
  seed: 5,
});

describe('backend graph against tfjs eager', { skip }, () => {
  before(async () => {
    await initBackend({ prefer: 'tensorflow', log: () => undefined });
    await tf.setBackend('tensorflow');
  });

  const recipes: [string, Partial<TrainSpecInput>][] = [
    [
      'sgd nesterov, warm-up + cosine, weight decay, label smoothing, clipping, L2',
      {
        optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
        schedule: { kind: 'cosine', warmupEpochs: 0.5 },
        weightDecay: 5e-3,
        labelSmoothing: 0.1,
        clipNorm: 0.5,
        l2: 1e-3,
      },
    ],
    ['adam, step schedule', { optimizer: { kind: 'adam', lr: 0.01 }, schedule: { kind: 'step', every: 1 } }],
  ];
  for (const [name, recipe] of recipes) {
    test(`${name}: the first ${STEPS} losses agree to ${TOLERANCE}`, async () => {
      const dir = tempDir('graph-engine');
      const start = await startCheckpoint(dir);
      const losses: Record<Engine, number[]> = { graph: [], tensorflow: [] };
      for (const engine of ['graph', 'tensorflow'] as const) {
        const out = join(dir, engine);
        const r = await train(engine, { ...base(start, out), ...recipe } as TrainSpecInput);
        assert.equal(r.status, 'completed');
        assert.equal(r.steps, STEPS);
        losses[engine] = await stepLosses(out);
      }
      assertClose(losses.graph, losses.tensorflow, name);
    });
  }

  test('distillation with transfer rows: the first losses agree', async () => {
    const dir = tempDir('graph-distill');
    const start = await startCheckpoint(dir);
    const teacher = await startCheckpoint(join(dir, 'teacher'), tinyNet(8, 32), 3);
    const losses: Record<Engine, number[]> = { graph: [], tensorflow: [] };
    for (const engine of ['graph', 'tensorflow'] as const) {
      const out = join(dir, engine);
      const spec: TrainSpecInput = {
        ...base(start, out),
        optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false },
        labelSmoothing: 0.05,
        distill: { enabled: true, teacher, temperature: 2, alpha: 0.3 },
      };
      const r = await train(engine, spec, patternData({ transfer: 64 }));
      assert.equal(r.status, 'completed');
      losses[engine] = await stepLosses(out);
    }
    assertClose(losses.graph, losses.tensorflow, 'distillation');
  });

  for (const [writer, reader] of [
    ['graph', 'tensorflow'],
    ['tensorflow', 'graph'],
  ] as const) {
    test(`a checkpoint written on ${writer} resumes on ${reader} to the same losses`, async () => {
      const dir = tempDir(`graph-resume-${writer}`);
      const start = await startCheckpoint(dir);
      const spec = (output: string, epochs: number): TrainSpecInput => ({
        ...base(start, output),
        maxSteps: 0,
        epochs,
        logEverySteps: 8,
        optimizer: { kind: 'adam', lr: 0.01 },
        weightDecay: 1e-3,
      });
      const here = join(dir, 'here');
      const there = join(dir, 'there');
      assert.equal((await train(writer, spec(here, 1))).epochsRun, 1);
      cpSync(here, there, { recursive: true });
      const same = await train(writer, spec(here, 2));
      const other = await train(reader, spec(there, 2));
      for (const r of [same, other]) assert.equal(r.resumedFromEpoch, 1);
      for (const k of ['loss', 'valLoss', 'acc'] as const) {
        const d = Math.abs(other.final![k]! - same.final![k]!);
        assert.ok(d <= TOLERANCE, `${k}: ${other.final![k]} on ${reader} vs ${same.final![k]} on ${writer}`);
      }
      assert.ok(Math.abs(other.test!.loss - same.test!.loss) <= TOLERANCE, 'test loss');
    });
  }
});

describe('the CLI on backend graph', { skip }, () => {
  test("a spec's backend graph: netgrow train's backend line and result.json name the engine", async () => {
    const dir = tempDir('graph-cli');
    const output = join(dir, 'run');
    const file = join(dir, 'spec.json');
    writeFileSync(
      file,
      JSON.stringify({
        runId: 'cli-graph',
        checkpoint: 'builtin:mlp',
        output,
        seed: 3,
        dataset: { name: 'fashion-mnist', limit: 600, validation: 0.2 },
        epochs: 1,
        batchSize: 32,
        backend: 'graph',
      }),
    );
    // The spec's backend overrides NETGROW_BACKEND (a search's config forces its trainers' choice).
    const r = spawnSync(process.execPath, [BIN, 'train', '--spec', file, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, NETGROW_BACKEND: 'tensorflow' },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.split('\n');
    assert.ok(
      out.some((l) => l.startsWith('backend: graph (the graph engine')),
      `no graph backend line in:\n${r.stdout}`,
    );
    const result = TrainResult.parse(JSON.parse(out.filter(Boolean).at(-1)!));
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.backend, { name: 'graph', how: 'asked', why: "asked for by the spec's backend" });
    assert.ok(result.validation!.acc > 0.5, `val acc ${result.validation!.acc} after an epoch`);
  });

  test('netgrow bench train --backend graph --json says the engine ran the steps', () => {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'bench',
        'train',
        '--arch',
        'lenet',
        '--backend',
        'graph',
        '--steps',
        '2',
        '--warmup',
        '1',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const line = r.stdout.split('\n').filter(Boolean).at(-1)!;
    const b = JSON.parse(line) as { backend: string; engine: string; samplesPerSec: number };
    assert.equal(b.backend, 'graph');
    assert.equal(b.engine, 'graph');
    assert.ok(b.samplesPerSec > 0);
  });
});
