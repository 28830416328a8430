/**
 * mutate and recordLineage in a mocked activity context on real storage: a refused command
 * and an unknown dataset fail without retries, a retried mutate returns what the first
 * attempt wrote, and a retried lineage append never writes an event twice.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { MutateInput } from '../../src/contracts/activities';
import { InProcessExecutor } from '../../src/executor/inprocess';
import type { LineageEventInput } from '../../src/contracts/lineage';
import { appendLineage, readLineage } from '../../src/log/lineage';
import { openStore } from '../../src/storage';
import { quietActivityEnv } from './mock';
import { NO_FEASIBLE_MUTATION } from '../../src/contracts/errors';
import type { MutateOutput } from '../../src/contracts/activities';

let dir: string;
let experimentUri: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-activity-mutate-'));
  experimentUri = pathToFileURL(dir).href;
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const acts = () => createActivities({ executor: new InProcessExecutor(), openStore: (u) => openStore(u) });

const mutateInput = (childId: string, ops: string[], dataset = 'synthetic:8x8x1:256:4c'): MutateInput => ({
  experimentUri,
  parent: { kind: 'start', arch: 'seed-ga' },
  childId,
  seed: 3,
  ops,
  dataset: { name: dataset, limit: 1, validation: 0.25, augment: false, preprocess: 'standardize' },
});

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const e = await promise.then(
    () => assert.fail('expected a failure'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof ApplicationFailure, String(e));
  return e;
}

describe('mutate activity', () => {
  test('a command that cannot apply is a non-retryable MorphError naming the node', async () => {
    const e = await failure(quietActivityEnv().run(acts().mutate, mutateInput('m1', ['wider conv9 x2'])));
    assert.equal(e.nonRetryable, true);
    assert.equal(e.type, 'MorphError');
    assert.match(e.message, /^mutate m1: .*conv9/);
  });

  test('a command that does not parse, and an unknown dataset, fail the same way', async () => {
    const syntax = await failure(quietActivityEnv().run(acts().mutate, mutateInput('m2', ['wider'])));
    assert.equal(syntax.nonRetryable, true);
    assert.equal(syntax.type, 'CommandError');
    const data = await failure(quietActivityEnv().run(acts().mutate, mutateInput('m3', [], 'no-such-data')));
    assert.deepEqual([data.type, data.nonRetryable], ['DatasetError', true]);
  });

  test('a retried mutate returns what the first attempt wrote, without writing again', async () => {
    // MockActivityEnvironment.run cannot infer the activity's result type; say it.
    const first = (await quietActivityEnv().run(
      acts().mutate,
      mutateInput('m4', ['wider conv1 x2', 'deeper conv2']),
    )) as MutateOutput;
    assert.equal(first.preserving, true);
    assert.ok(first.maxAbsDiff !== null && first.maxAbsDiff < 1e-3, 'checked on real tfjs models');
    // seed-ga's conv2 has no activation: the deeper adds a linear layer, and the op says so.
    assert.deepEqual(
      first.ops.map((o) => o.linearLayer ?? false),
      [false, true],
    );
    const meta = join(dir, 'candidates', 'm4', 'meta.json');
    const written = (await stat(meta)).mtimeMs;
    const again = await quietActivityEnv({ attempt: 2 }).run(
      acts().mutate,
      mutateInput('m4', ['deeper conv1']),
    );
    assert.deepEqual(again, first);
    assert.equal((await stat(meta)).mtimeMs, written);
  });

  test("the scratch control: a trained checkpoint's graph.json grows afresh, same graph, new weights, FLOPs counted", async () => {
    const a = acts();
    const grown = (await quietActivityEnv().run(
      a.mutate,
      mutateInput('grown', ['wider conv1 x2']),
    )) as MutateOutput;
    const scratch = (await quietActivityEnv().run(a.mutate, {
      ...mutateInput('scratch', []),
      parent: { kind: 'start' as const, arch: `${grown.checkpoint}/graph.json` },
    })) as MutateOutput;
    assert.deepEqual(scratch.ops, []);
    assert.equal(scratch.paramsAfter, grown.paramsAfter, 'the same architecture');
    assert.ok(scratch.flopsAfter !== undefined && scratch.flopsAfter > 0);
    assert.equal(scratch.flopsAfter, grown.flopsAfter);
    const store = openStore(experimentUri);
    const graph = (prefix: string) => store.getText(`${prefix}/graph.json`);
    assert.equal(await graph('candidates/scratch'), await graph('candidates/grown'));
    const weights = (prefix: string) => store.get(`${prefix}/weights.bin`);
    assert.notDeepEqual(await weights('candidates/scratch'), await weights('candidates/grown'));
  });

  test('init random: the same commands and graph, new units from the initialiser, not preserving, unchecked', async () => {
    const a = acts();
    const ops = ['wider conv1 x2', 'deeper conv2'];
    const kept = (await quietActivityEnv().run(a.mutate, mutateInput('kept', ops))) as MutateOutput;
    const random = (await quietActivityEnv().run(a.mutate, {
      ...mutateInput('random', ops),
      init: 'random' as const,
    })) as MutateOutput;
    assert.deepEqual(
      random.ops.map((o) => [o.command, o.preserving, o.maxAbsDiff]),
      ops.map((c) => [c, false, null]),
    );
    assert.deepEqual(
      [random.preserving, random.maxAbsDiff, random.paramsAfter],
      [false, null, kept.paramsAfter],
    );
    const store = openStore(experimentUri);
    const graph = (prefix: string) => store.getText(`${prefix}/graph.json`);
    assert.equal(await graph('candidates/random'), await graph('candidates/kept'));
    const weights = (prefix: string) => store.get(`${prefix}/weights.bin`);
    assert.notDeepEqual(await weights('candidates/random'), await weights('candidates/kept'));
  });

  test('weights and convRatio: sampled commands of the weighted kinds alone, widened by the ratio', async () => {
    const a = acts();
    const drawn: string[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const out = (await quietActivityEnv().run(a.mutate, {
        ...mutateInput(`w${seed}`, []),
        ops: undefined,
        mutations: 1,
        seed,
        weights: { wider: 1, deeper: 0, 'deeper-pool': 0, skip: 0, group: 0 },
        convRatio: [1.5, 2] as [number, number],
      })) as MutateOutput;
      drawn.push(...out.ops.map((o) => o.command));
    }
    assert.equal(drawn.length, 8);
    // seed-ga on 4 classes: conv1 has 128 filters, conv2 4.
    const before: Record<string, number> = { conv1: 128, conv2: 4 };
    for (const c of drawn) {
      const [, layer, width] = /^wider (conv\d) (\d+)$/.exec(c) ?? assert.fail(c);
      const ratio = Number(width) / before[layer];
      assert.ok(ratio >= 1.5 - 0.5 / before[layer] && ratio <= 2 + 0.5 / before[layer], `${c}: ${ratio}`);
    }
  });
  test('no feasible mutation under maxFlops: its own non-retryable failure type, the limit named, nothing written', async () => {
    const e = await failure(
      quietActivityEnv().run(acts().mutate, {
        ...mutateInput('nf1', []),
        ops: undefined,
        mutations: 1,
        maxFlops: 1,
      }),
    );
    assert.equal(e.nonRetryable, true);
    assert.equal(e.type, NO_FEASIBLE_MUTATION);
    assert.match(e.message, /^mutate nf1: no feasible mutation of 'seed-ga' .*over the limit 1/);
    await assert.rejects(stat(join(dir, 'candidates', 'nf1', 'meta.json')), /ENOENT/);
  });
});

describe('recordLineage activity', () => {
  const events: LineageEventInput[] = [
    {
      type: 'generation',
      at: '2026-01-01T00:00:00.000Z',
      generation: 1,
      status: 'started',
      candidates: ['a', 'b'],
    },
    {
      type: 'generation',
      at: '2026-01-01T00:00:01.000Z',
      generation: 1,
      status: 'finished',
      candidates: ['a', 'b'],
    },
  ];

  test('a retry after a crash mid-call appends only what is missing', async () => {
    const uri = `${experimentUri}/lineage-test`;
    const store = openStore(uri);
    // The first attempt appended one event, then its worker died.
    await appendLineage(store, 'lineage.jsonl', events[0]);
    await quietActivityEnv({ attempt: 2 }).run(acts().recordLineage, { experimentUri: uri, events });
    await quietActivityEnv({ attempt: 3 }).run(acts().recordLineage, { experimentUri: uri, events });
    const { events: stored } = await readLineage(store, 'lineage.jsonl');
    assert.deepEqual(
      stored.map((e) => (e.type === 'generation' ? e.status : e.type)),
      ['started', 'finished'],
    );
    // A later call with new events appends them all.
    const next = events.map((e) => ({ ...e, generation: 2 }));
    await quietActivityEnv().run(acts().recordLineage, { experimentUri: uri, events: next });
    assert.equal((await readLineage(store, 'lineage.jsonl')).events.length, 4);
  });
});
