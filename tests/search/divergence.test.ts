import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SearchConfig } from '../../src/search/config';
import { adjustSpec, cumulativeAdjustment } from '../../src/search/divergence';
import { attemptSpec, candidateSettings, oomRetrySpec, runIdOf } from '../../src/search/train-spec';
import { TrainSpec } from '../../src/contracts/train';

const schedule = [{ lrScale: 0.1 }, { clipNorm: 1.0 }, { batchScale: 0.5 }];

describe('divergence retries', () => {
  test('adjustments accumulate along the schedule', () => {
    assert.deepEqual(cumulativeAdjustment(schedule, 0), {});
    assert.deepEqual(cumulativeAdjustment(schedule, 1), { lrScale: 0.1 });
    assert.deepEqual(cumulativeAdjustment(schedule, 2), { lrScale: 0.1, clipNorm: 1 });
    assert.deepEqual(cumulativeAdjustment(schedule, 3), { lrScale: 0.1, clipNorm: 1, batchScale: 0.5 });
    const twice = [{ lrScale: 0.1 }, { lrScale: 0.5, clipNorm: 5 }, { clipNorm: 2 }];
    const folded = cumulativeAdjustment(twice, 3);
    assert.ok(Math.abs((folded.lrScale ?? 0) - 0.05) < 1e-12);
    assert.equal(folded.clipNorm, 2);
  });

  test('an adjustment changes lr, clipping and batch size, and nothing else', () => {
    const spec = {
      runId: 'r',
      checkpoint: 'c',
      output: 'o',
      optimizer: { kind: 'sgd' as const, lr: 0.05, momentum: 0.9, nesterov: false },
      batchSize: 64,
      clipNorm: 5,
    };
    const out = adjustSpec(spec, { lrScale: 0.1, clipNorm: 1, batchScale: 0.5 });
    assert.ok(Math.abs(out.optimizer.lr - 0.005) < 1e-12);
    assert.equal(out.optimizer.kind, 'sgd');
    assert.equal(out.batchSize, 32);
    assert.equal(out.clipNorm, 1);
    assert.equal(spec.optimizer.lr, 0.05, 'the input is not changed');
    assert.equal(adjustSpec(spec, { clipNorm: 10 }).clipNorm, 5, 'an existing tighter clip stays');
    assert.equal(adjustSpec({ ...spec, batchSize: 1 }, { batchScale: 0.5 }).batchSize, 1);
  });

  test("each attempt's spec is a valid TrainSpec in its own run folder, adjusted for the attempt", () => {
    const config = SearchConfig.parse({
      name: 'x',
      dataset: { limit: 0.1 },
      train: { epochs: 3 },
      distill: { enabled: true },
    });
    const args = {
      experimentUri: 's3://b/runs/experiments/x-1/',
      candidateId: 'g1-c0',
      checkpoint: 's3://b/runs/experiments/x-1/candidates/g1-c0',
      seed: 11,
      settings: candidateSettings(config),
      teacher: 's3://b/runs/experiments/x-1/candidates/g0-c0/runs/g0-c0-a1/final',
    };
    const first = attemptSpec({ ...args, attempt: 1 });
    assert.deepEqual(first.adjustment, {});
    const parsed = TrainSpec.parse(first.spec);
    assert.equal(parsed.runId, 'g1-c0-a1');
    assert.equal(parsed.output, 's3://b/runs/experiments/x-1/candidates/g1-c0/runs/g1-c0-a1');
    assert.equal(parsed.epochs, 3);
    assert.equal(parsed.dataset.limit, 0.1);
    assert.equal(parsed.distill.teacher, args.teacher);
    const third = attemptSpec({ ...args, attempt: 3 });
    assert.equal(third.spec.runId, runIdOf('g1-c0', 3));
    assert.deepEqual(third.adjustment, { lrScale: 0.1, clipNorm: 1 });
    assert.ok(Math.abs(third.spec.optimizer.lr - 0.005) < 1e-12);
    assert.equal(TrainSpec.parse(third.spec).clipNorm, 1);
    const noTeacher = attemptSpec({ ...args, teacher: null, attempt: 1 });
    assert.equal(TrainSpec.parse(noTeacher.spec).distill.enabled, false);
  });

  test('an OOM retry is a new run beside its attempt, its batch scaled by the retries so far', () => {
    const config = SearchConfig.parse({
      name: 'x',
      train: { batchSize: 64 },
      divergence: { retries: [{ batchScale: 0.5, lrScale: 0.1 }] },
      oom: { retries: [{ batchScale: 0.5 }, { batchScale: 0.25 }] },
    });
    assert.deepEqual(SearchConfig.parse({ name: 'y' }).oom.retries, [{ batchScale: 0.5 }], 'the default');
    const second = attemptSpec({
      experimentUri: 'file:///r/experiments/x',
      candidateId: 'g0-c1',
      checkpoint: 'file:///r/experiments/x/candidates/g0-c1',
      seed: 1,
      settings: candidateSettings(config),
      teacher: null,
      attempt: 2,
    });
    assert.equal(second.spec.batchSize, 32);
    const retry = oomRetrySpec(second, config.oom.retries, 2);
    const spec = TrainSpec.parse(retry.spec);
    assert.equal(spec.runId, 'g0-c1-a2-oom2');
    assert.equal(spec.output, 'file:///r/experiments/x/candidates/g0-c1/runs/g0-c1-a2-oom2');
    assert.equal(spec.batchSize, 4, '32 × 0.5 × 0.25');
    assert.ok(Math.abs(spec.optimizer.lr - second.spec.optimizer.lr) < 1e-12, 'only the batch changes');
    assert.deepEqual(retry.adjustment, { batchScale: 0.0625, lrScale: 0.1 });
    assert.equal(second.spec.runId, 'g0-c1-a2', 'the attempt is not changed');
  });
});
