/**
 * Small, learnable data and networks for training tests: seconds per run on the cpu backend.
 * Each class is a fixed random 8x8 pattern; an image is its class pattern plus noise, so a
 * tiny convnet learns it in a few epochs but not in one step.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, parseGraph, Rng } from '../../src/graph';
import { inMemoryData, LabelledSet, TrainingData } from '../../src/train/data';
import { TrainResult } from '../../src/contracts/train';
import assert from 'node:assert/strict';

export const SHAPE = [8, 8, 1];
export const CLASSES = 4;

export function patternSet(count: number, seed: number, noise = 1.2): LabelledSet {
  const protos = new Rng(99);
  const patterns = Array.from({ length: CLASSES }, () =>
    Float32Array.from({ length: 64 }, () => protos.normal()),
  );
  const r = new Rng(seed);
  const x = new Float32Array(count * 64);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    y[i] = r.int(CLASSES);
    for (let j = 0; j < 64; j++) x[i * 64 + j] = patterns[y[i]][j] + noise * r.normal();
  }
  return { x, y, count };
}

export function patternData(
  opts: { train?: number; seed?: number; transfer?: number; noise?: number } = {},
): TrainingData {
  const seed = opts.seed ?? 0;
  const noise = opts.noise ?? 1.2;
  const transfer = opts.transfer ? patternSet(opts.transfer, 7, noise) : null;
  return inMemoryData(
    {
      inputShape: SHAPE,
      numClasses: CLASSES,
      train: patternSet(opts.train ?? 256, 1, noise),
      val: patternSet(128, 2, noise),
      test: patternSet(128, 3, noise),
      transfer: transfer ? { x: transfer.x, count: transfer.count } : null,
      key: `patterns:${opts.train ?? 256}:${opts.transfer ?? 0}:${noise}`,
    },
    seed,
  );
}

/** conv 4 3x3 → maxpool → flatten → fc 16 → fc 4 → softmax (≈ 1.1k params). */
export function tinyNet(width = 4, hidden = 16): Graph {
  return parseGraph({
    name: 'tiny',
    output: 'softmax',
    nodes: [
      { id: 'input', kind: 'input', inputs: [], shape: SHAPE },
      { id: 'conv1', kind: 'conv2d', inputs: ['input'], filters: width, kernel: 3 },
      { id: 'conv1.act', kind: 'activation', inputs: ['conv1'], fn: 'relu' },
      { id: 'pool1', kind: 'maxpool2d', inputs: ['conv1.act'], pool: 2 },
      { id: 'flatten', kind: 'flatten', inputs: ['pool1'] },
      { id: 'fc1', kind: 'dense', inputs: ['flatten'], units: hidden },
      { id: 'fc1.act', kind: 'activation', inputs: ['fc1'], fn: 'relu' },
      { id: 'fc2', kind: 'dense', inputs: ['fc1.act'], units: CLASSES },
      { id: 'softmax', kind: 'activation', inputs: ['fc2'], fn: 'softmax' },
    ],
  });
}

/** flatten → fc `hidden` → fc 10 on 28x28x1 (Fashion-MNIST, MNIST): seconds per run on the cpu backend. */
export function mnistMlp(hidden = 32): Graph {
  return parseGraph({
    name: 'small-mlp',
    output: 'fc2',
    nodes: [
      { id: 'input', kind: 'input', inputs: [], shape: [28, 28, 1] },
      { id: 'flatten', kind: 'flatten', inputs: ['input'] },
      { id: 'fc1', kind: 'dense', inputs: ['flatten'], units: hidden },
      { id: 'fc1.act', kind: 'activation', inputs: ['fc1'], fn: 'relu' },
      { id: 'fc2', kind: 'dense', inputs: ['fc1.act'], units: 10 },
    ],
  });
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `netgrow-${label}-`));
}

/** Writes the tiny net with seeded weights as a start checkpoint; returns its folder. */
export async function startCheckpoint(dir: string, g: Graph = tinyNet(), seed = 1): Promise<string> {
  const { writeCheckpoint } = await import('../../src/model');
  const { openStore } = await import('../../src/storage');
  const { initWeights } = await import('../../src/graph');
  const path = join(dir, 'start');
  await writeCheckpoint(openStore(path), '', g, initWeights(g, new Rng(seed)));
  return path;
}

/** A quiet runTraining log that keeps the lines for assertions. */
export function lines(): { log: (l: string) => void; all: string[] } {
  const all: string[] = [];
  return { log: (l) => all.push(l), all };
}

/** Resumed runs must match uninterrupted ones within this (absolute, every metric); on one backend they are bit-identical. */
export const TOLERANCE = 1e-6;

export function assertSameRun(a: TrainResult, b: TrainResult): void {
  assert.equal(b.status, 'completed');
  assert.equal(b.epochsRun, a.epochsRun);
  assert.equal(b.steps, a.steps);
  for (const k of ['loss', 'acc', 'valLoss', 'valAcc'] as const) {
    assert.ok(
      Math.abs(b.final![k]! - a.final![k]!) <= TOLERANCE,
      `final.${k}: ${b.final![k]} vs ${a.final![k]}`,
    );
    assert.ok(Math.abs(b.best![k]! - a.best![k]!) <= TOLERANCE, `best.${k}`);
  }
  assert.ok(
    Math.abs(b.test!.acc - a.test!.acc) <= TOLERANCE && Math.abs(b.test!.loss - a.test!.loss) <= TOLERANCE,
  );
}
