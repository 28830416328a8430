/**
 * Distillation: with the same labelled data, start weights, epochs and steps, a student
 * trained on a fixed teacher's soft targets (α·CE + (1−α)·T²·KL) agrees with the teacher's
 * predictions more often, and its output distribution is closer (KL), than one trained on hard
 * labels alone; transfer images (unlabelled, taught by the teacher alone) widen the gap.
 * Teacher logits are computed once and cached next to the teacher checkpoint.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildModel, predict, readCheckpoint } from '../../src/model';
import { openStore } from '../../src/storage';
import { runTraining } from '../../src/train/run';
import { TrainSpecInput } from '../../src/contracts/train';
import { readLogits, teacherLogits } from '../../src/train/teacher';
import {
  CLASSES,
  lines,
  patternData,
  patternSet,
  SHAPE,
  startCheckpoint,
  tempDir,
  tinyNet,
} from './fixtures';
import { useTestBackend } from '../support/backend';

before(async () => {
  await useTestBackend();
});

const NOISE = 2;

async function probabilities(uri: string, x: Float32Array, n: number): Promise<Float32Array> {
  const c = await readCheckpoint(openStore(uri), '');
  const m = buildModel(c.graph, c.weights);
  const p = predict(m, x, n, SHAPE);
  m.dispose();
  return p;
}

const fmt = (m: { agree: number; kl: number }): string => `${m.agree.toFixed(3)}/${m.kl.toFixed(3)}`;

/** Argmax agreement and mean KL(teacher ‖ student) over a probe set. */
function match(teacher: Float32Array, student: Float32Array, n: number): { agree: number; kl: number } {
  let agree = 0;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const t = Array.from(teacher.subarray(i * CLASSES, (i + 1) * CLASSES));
    const s = Array.from(student.subarray(i * CLASSES, (i + 1) * CLASSES));
    if (t.indexOf(Math.max(...t)) === s.indexOf(Math.max(...s))) agree++;
    kl += t.reduce((a, p, j) => a + p * Math.log(p / Math.max(s[j], 1e-12)), 0);
  }
  return { agree: agree / n, kl: kl / n };
}

test('a distilled student matches its teacher better than a hard-label student on the same budget', async (t) => {
  const dir = tempDir('distill');
  const quiet = lines();
  const teacherRun = await runTraining(
    {
      runId: 'teacher',
      checkpoint: await startCheckpoint(join(dir, 'teacher-start'), tinyNet(8, 32), 3),
      output: join(dir, 'teacher'),
      epochs: 5,
      batchSize: 16,
      optimizer: { kind: 'adam', lr: 0.005 },
      schedule: { kind: 'constant' },
    },
    { data: patternData({ train: 1024, noise: NOISE }), log: quiet.log },
  );
  const teacher = teacherRun.checkpoint!;
  const studentStart = await startCheckpoint(join(dir, 'student-start'), tinyNet(4, 16), 4);
  const student = async (name: string, distill: TrainSpecInput['distill'], transfer = 0) => {
    const r = await runTraining(
      {
        runId: name,
        checkpoint: studentStart,
        output: join(dir, name),
        epochs: 6,
        batchSize: 16,
        optimizer: { kind: 'adam', lr: 0.005 },
        // Pinned, not the default: the comparison must not move when the default recipe does.
        schedule: { kind: 'constant' },
        distill,
      },
      { data: patternData({ train: 128, noise: NOISE, transfer }), log: quiet.log },
    );
    assert.equal(r.status, 'completed');
    assert.equal(r.steps, 48, 'same budget: 6 epochs of 8 steps');
    return r.checkpoint!;
  };
  const kd = { enabled: true, teacher, temperature: 2, alpha: 0.1 };
  const hard = await student('hard', { enabled: false });
  const soft = await student('soft', kd);
  const softTransfer = await student('soft-transfer', kd, 512);

  const probe = patternSet(512, 11, NOISE);
  const tp = await probabilities(teacher, probe.x, probe.count);
  const [h, s, st] = await Promise.all(
    [hard, soft, softTransfer].map(async (uri) =>
      match(tp, await probabilities(uri, probe.x, probe.count), probe.count),
    ),
  );
  t.diagnostic(
    `agreement/KL with the teacher: hard ${fmt(h)}, distilled ${fmt(s)}, distilled+transfer ${fmt(st)}`,
  );
  assert.ok(
    s.agree > h.agree && s.kl < h.kl,
    `distilled: agree ${s.agree} KL ${s.kl}; hard: ${h.agree} ${h.kl}`,
  );
  assert.ok(
    st.agree > h.agree && st.kl < h.kl,
    `with transfer: agree ${st.agree} KL ${st.kl}; hard: ${h.agree} ${h.kl}`,
  );

  // Computed once per (teacher, dataset rows): the cache next to the teacher, reused.
  const cache = (await openStore(teacher).list('logits/')).filter((k) => k.endsWith('.json'));
  assert.equal(cache.length, 2, `one cache per student dataset: ${cache.join(', ')}`);
  const withTransfer = await Promise.all(cache.map((k) => readLogits(openStore(teacher), k)));
  assert.deepEqual(
    withTransfer.map((l) => l.manifest.rows).sort((a, b) => a - b),
    [128, 640],
  );
  const again = patternData({ train: 128, noise: NOISE });
  const seen = lines();
  const reused = await teacherLogits(
    { teacherUri: teacher },
    { ...again, datasetKey: again.key },
    openStore,
    seen.log,
  );
  assert.match(seen.all.join('\n'), /^teacher logits: cached at /);
  assert.equal(reused.manifest.rows, 128);
});
