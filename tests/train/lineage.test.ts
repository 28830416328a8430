/**
 * Lineage-continuous training end to end on real storage: a parent trained in `continue:
 * lineage` hands its schedule position and optimizer state to `final/`, the mutate activity
 * carries them through the commands into the child's checkpoint, and the child's run goes on
 * along the same schedule — every step's rate over parent and child is the one cosine over the
 * lineage's epochs, the optimizer's iteration count runs on, and a child stopped mid-epoch
 * resumes onto the same rates and weights. `continue: restart` keeps the old behaviour: each
 * run its own cosine from the peak, fresh optimizer state.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import { mutateActivity } from '../../activities/mutate';
import { MutationEvent } from '../../src/contracts/lineage';
import { TrainResult, TrainSpecInput } from '../../src/contracts/train';
import { InProcessExecutor } from '../../src/executor/inprocess';
import { Rng } from '../../src/graph';
import { readTrainCsv } from '../../src/log';
import { readCheckpoint } from '../../src/model';
import { applyCommands, SlotSet } from '../../src/morph';
import { openStore } from '../../src/storage';
import { readContinuation } from '../../src/train/continuation';
import { SLOT_MOMENTS, slotMaps } from '../../src/train/optimizer';
import { runTraining } from '../../src/train/run';
import { useTestBackend } from '../support/backend';
import { assertSameRun, lines, patternData, startCheckpoint, tempDir } from './fixtures';

before(async () => {
  await useTestBackend();
});

const LR = 0.03;
const EPOCHS = 2;
const LINEAGE = 6;
const PER_EPOCH = 16; // 256 images, batch 16
const OPS = ['wider conv1 x2', 'deeper fc1'];

const spec = (
  runId: string,
  checkpoint: string,
  output: string,
  mode: 'lineage' | 'restart',
): TrainSpecInput => ({
  runId,
  checkpoint,
  output,
  epochs: EPOCHS,
  batchSize: 16,
  logEverySteps: 1,
  optimizer: { kind: 'sgd', lr: LR, momentum: 0.9 },
  schedule: { kind: 'cosine' },
  continue: mode,
  ...(mode === 'lineage' ? { lineageEpochs: LINEAGE } : {}),
});

const cosine = (epochs: number, length: number): number =>
  (LR * (1 + Math.cos(Math.PI * Math.min(1, epochs / length)))) / 2;

async function stepRates(output: string): Promise<number[]> {
  const rows = await readTrainCsv(openStore(output), 'train.csv');
  return rows.filter((r) => r.kind === 'step').map((r) => r.lr);
}

function assertRates(got: number[], want: number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: steps`);
  got.forEach((lr, i) =>
    assert.ok(Math.abs(lr - want[i]) < 1e-9, `${what}: step ${i + 1} lr ${lr}, want ${want[i]}`),
  );
}

/** A parent trained in `mode`, then grown by OPS through the mutate activity. */
async function parentAndChild(mode: 'lineage' | 'restart') {
  const dir = tempDir(`lineage-${mode}`);
  const exp = pathToFileURL(join(dir, 'exp')).href;
  const start = await startCheckpoint(dir);
  const quiet = lines();
  const parentOut = `${exp}/candidates/g0-c0/runs/g0-c0-a1`;
  const parent = await runTraining(spec('g0-c0-a1', start, parentOut, mode), {
    data: patternData(),
    log: quiet.log,
  });
  const mutate = mutateActivity({ executor: new InProcessExecutor(), openStore, checkMutations: false });
  const child = await mutate({
    experimentUri: exp,
    parent: { kind: 'candidate', candidateId: 'g0-c0', checkpoint: parent.checkpoint! },
    childId: 'g1-c0',
    seed: 5,
    ops: OPS,
    dataset: {
      name: 'synthetic:8x8x1:256:4c',
      limit: 1,
      validation: 0.25,
      augment: false,
      preprocess: 'standardize',
    },
  });
  return { dir, exp, parent, parentOut, child, quiet };
}

describe('lineage-continuous training', () => {
  test("the child continues the parent's schedule and optimizer state, carried through the morphism", async () => {
    const { exp, parent, parentOut, child, quiet } = await parentAndChild('lineage');
    assert.deepEqual(parent.lineage, { epochs: EPOCHS, steps: EPOCHS * PER_EPOCH });
    const steps = EPOCHS * PER_EPOCH;
    assert.deepEqual(child.carried, { epochs: EPOCHS, steps, optimizer: 'sgd', iterations: steps });
    // What the candidate workflow copies into the last mutation event of lineage.jsonl.
    const event = {
      type: 'mutation',
      parent: 'g0-c0',
      child: 'g1-c0',
      op: OPS[1],
      paramsBefore: 1,
      paramsAfter: 2,
    };
    assert.deepEqual(
      MutationEvent.parse({ ...event, preserving: true, carried: child.carried }).carried,
      child.carried,
    );

    // The child's optimizer.bin is the parent's velocity through the same commands, exactly.
    const pStore = openStore(parent.checkpoint!);
    const p = await readCheckpoint(pStore, '');
    const pCarried = (await readContinuation(pStore, '', p.meta))!;
    const slots = new Map<string, SlotSet>(
      [...slotMaps(pCarried.optimizer!, p.graph)].map(([k, values]) => [
        k,
        { moment: SLOT_MOMENTS[k], values },
      ]),
    );
    const want = applyCommands(p.graph, p.weights, OPS, new Rng(5).fork('apply'), { slots }).slots;
    const cStore = openStore(child.checkpoint);
    const c = await readCheckpoint(cStore, '');
    const cCarried = (await readContinuation(cStore, '', c.meta))!;
    assert.equal(cCarried.optimizer!.meta.iterations, steps);
    const got = slotMaps(cCarried.optimizer!, c.graph).get('velocity')!;
    assert.deepEqual([...got.keys()].sort(), [...want.get('velocity')!.values.keys()].sort());
    for (const [k, t] of want.get('velocity')!.values) assert.deepEqual(got.get(k)!.data, t.data, k);
    assert.equal(got.has('fc1_deep1/kernel'), false, 'the new layer starts with zero velocity');
    assert.ok(
      [...got.get('fc2/kernel')!.data].some((x) => x !== 0),
      'inherited velocity is not zero',
    );

    const childOut = `${exp}/candidates/g1-c0/runs/g1-c0-a1`;
    const trained = await runTraining(spec('g1-c0-a1', child.checkpoint, childOut, 'lineage'), {
      data: patternData(),
      log: quiet.log,
    });
    assert.deepEqual(trained.lineage, { epochs: 2 * EPOCHS, steps: 2 * steps });
    assert.ok(quiet.all.some((l) => l.includes(`continuing the lineage at epoch ${EPOCHS} of ${LINEAGE}`)));
    // One cosine over the lineage's 6 epochs, step by step across the generation boundary.
    const rates = [...(await stepRates(parentOut)), ...(await stepRates(childOut))];
    assertRates(
      rates,
      rates.map((_, k) => cosine(k / PER_EPOCH, LINEAGE)),
      'parent then child',
    );
    // The parent's last step ran at epoch 2 − 1/16 of 6, the child's first at epoch 2: no jump back.
    assert.equal(rates[steps - 1], cosine(EPOCHS - 1 / PER_EPOCH, LINEAGE));
    assert.equal(rates[steps], cosine(EPOCHS, LINEAGE));
    // The child's optimizer ran on from the parent's iteration count.
    const f = await readCheckpoint(openStore(trained.checkpoint!), '');
    const fc = await readContinuation(openStore(trained.checkpoint!), '', f.meta);
    assert.equal(fc!.optimizer!.meta.iterations, 2 * steps);
  });

  test('a child stopped mid-epoch resumes onto the same rates and weights', async () => {
    const { exp, child, quiet } = await parentAndChild('lineage');
    const whole = `${exp}/candidates/g1-c0/runs/whole`;
    const one = await runTraining(spec('whole', child.checkpoint, whole, 'lineage'), {
      data: patternData(),
      log: quiet.log,
    });
    const parts = `${exp}/candidates/g1-c0/runs/parts`;
    const stop = new AbortController();
    const first = await runTraining(spec('parts', child.checkpoint, parts, 'lineage'), {
      data: patternData(),
      log: quiet.log,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.step >= 21) stop.abort(); // epoch 2 of the child: mid-epoch
      },
    });
    assert.equal(first.status, 'stopped');
    const second = await runTraining(spec('parts', child.checkpoint, parts, 'lineage'), {
      data: patternData(),
      log: quiet.log,
    });
    assertSameRun(one, second);
    assert.deepEqual(second.lineage, one.lineage);
    assertRates(await stepRates(parts), await stepRates(whole), 'resumed child');
    const a = await readCheckpoint(openStore(one.checkpoint!), '');
    const b = await readCheckpoint(openStore(second.checkpoint!), '');
    for (const [k, t] of a.weights) {
      const d = t.data.reduce((m, x, i) => Math.max(m, Math.abs(x - b.weights.get(k)!.data[i])), 0);
      assert.ok(d <= 1e-6, `${k} differs by ${d}`);
    }
  });

  test('a child whose optimizer cannot take the carried state starts it fresh and says so', async () => {
    const { exp, child, quiet } = await parentAndChild('lineage');
    const adam = { ...spec('adam', child.checkpoint, `${exp}/candidates/g1-c0/runs/adam`, 'lineage') };
    adam.optimizer = { kind: 'adam', lr: 0.001 };
    const r = await runTraining(adam, { data: patternData(), log: quiet.log });
    assert.equal(r.status, 'completed');
    assert.ok(
      quiet.all.some((l) =>
        /not loading the optimizer state .* it is sgd state, the spec asks for adam/.test(l),
      ),
    );
    assert.deepEqual(r.lineage, { epochs: 2 * EPOCHS, steps: 2 * EPOCHS * PER_EPOCH });
  });

  test('restart: no carried state; the child runs its own cosine from the peak rate', async () => {
    const { exp, parent, parentOut, child, quiet } = await parentAndChild('restart');
    assert.equal(parent.lineage, undefined);
    assert.equal(child.carried, undefined);
    const c = await readCheckpoint(openStore(child.checkpoint), '');
    assert.equal(c.meta.extra.continuation, undefined);
    const childOut = `${exp}/candidates/g1-c0/runs/g1-c0-a1`;
    const trained: TrainResult = await runTraining(spec('g1-c0-a1', child.checkpoint, childOut, 'restart'), {
      data: patternData(),
      log: quiet.log,
    });
    const own = (rates: number[]) => rates.map((_, k) => cosine(k / PER_EPOCH, EPOCHS));
    const p = await stepRates(parentOut);
    const r = await stepRates(childOut);
    assertRates(p, own(p), 'parent');
    assertRates(r, own(r), 'child');
    assert.equal(r[0], LR);
    assert.equal(trained.lineage, undefined);
    const f = await readCheckpoint(openStore(trained.checkpoint!), '');
    assert.equal(f.meta.extra.continuation, undefined);
  });
});
