/**
 * The search's controls with the production activities (`netgrow train` processes, real tfjs
 * training on synthetic images, file:// storage): children paused at their early-stop rung and
 * judged, a size penalty in ranking, the winner retrained from scratch and tested with the
 * finalists, and the report and result showing all of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { experimentRecord, writeExperimentRecord } from '../../src/experiment/experiment';
import { openStore } from '../../src/storage';
import { startSearch } from '../../src/temporal/client';
import {
  candidateFiles,
  lineageOf,
  parseConfig,
  processActivities,
  serverAndScratch,
  tinyConfig,
} from './support';

const fx = serverAndScratch('controls');

test('early stop, penalty and the scratch control on real training', async () => {
  const { env, dir } = fx;
  const config = parseConfig(
    tinyConfig({
      name: 'controls',
      strategy: { kind: 'ga', population: 3, generations: 1 },
      train: { epochs: 2, batchSize: 32 },
      earlyStop: { rule: 'halving', afterEpochs: 1, keep: 0.5 },
      ranking: { penalty: { params: 0.001 } },
      scratch: { enabled: true },
    }),
  );
  const record = experimentRecord('search', 'controls-e2e', `file://${dir}/runs`, config);
  await writeExperimentRecord(record);
  const result = await env.withWorkers(processActivities(2), async () =>
    (
      await startSearch(env.client, { experimentId: record.id, experimentUri: record.experimentUri, config })
    ).result(),
  );
  assert.equal(result.reason, 'generations');
  const exp = openStore(record.experimentUri);
  const lineage = await lineageOf(exp);

  // Every child of generation 1 paused after epoch 1 in a real trainer and was judged.
  const decisions = lineage.filter((e) => e.type === 'early-stop');
  assert.deepEqual(decisions.map((d) => d.candidate).sort(), ['g1-c0', 'g1-c1', 'g1-c2']);
  const files = await candidateFiles(exp);
  for (const d of decisions) {
    assert.ok(d.type === 'early-stop' && d.epoch === 1 && typeof d.valAcc === 'number');
    const [run] = files.find((f) => f.id === d.candidate)!.results;
    const entry = result.leaderboard.find((e) => e.candidateId === d.candidate)!;
    if (d.decision === 'stop') {
      assert.deepEqual([run.status, run.epochsRun, entry.status], ['stopped', 1, 'stopped']);
      assert.match(run.checkpoint!, /epochs\/1$/);
      assert.ok(await exp.exists(`candidates/${d.candidate}/runs/${d.candidate}-a1/epochs/1/meta.json`));
    } else {
      assert.deepEqual([run.status, run.epochsRun, run.resumedFromEpoch], ['completed', 2, 1]);
    }
  }
  assert.ok(decisions.some((d) => d.type === 'early-stop' && d.decision === 'continue'));

  // Ranked by the penalised score.
  for (const e of result.leaderboard.filter((x) => x.status === 'completed')) {
    assert.ok(Math.abs(e.score! - (e.valAcc! - 0.001 * Math.log10(e.params))) < 1e-12);
    assert.ok(e.flops! > 0);
  }

  // The control: the winner's graph, fresh weights, the epochs of its lineage, tested once.
  const scratch = result.scratch!;
  const best = result.best!;
  assert.equal(scratch.status, 'completed');
  assert.equal(scratch.grown.candidateId, best.candidateId);
  assert.equal(scratch.epochs, best.lineageEpochs);
  assert.equal(scratch.epochs, 2 * (best.generation + 1));
  assert.equal(scratch.params, best.params);
  assert.equal(typeof scratch.testAcc, 'number');
  assert.equal(scratch.grown.testAcc, result.finalists![0].testAcc);
  const [scratchRun] = files.find((f) => f.id === 'scratch')!.results;
  assert.equal(scratchRun.epochsRun, scratch.epochs);
  assert.equal(
    await exp.getText('candidates/scratch/graph.json'),
    await exp.getText(`candidates/${best.candidateId}/graph.json`),
    'the same architecture',
  );
  assert.ok(lineage.some((e) => e.type === 'scratch' && e.of === best.candidateId));

  // The result and the report.
  assert.ok(result.operations && result.operations.length > 0);
  const html = await exp.getText('report/index.html');
  for (const id of ['scratch', 'operations']) assert.ok(html.includes(`id="${id}"`), id);
  assert.ok(html.includes('>score<'));
});
