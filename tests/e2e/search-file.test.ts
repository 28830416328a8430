/**
 * The embedded default, as a user runs it: `netgrow search --config` with no Temporal address
 * starts a dev server on a SQLite file in the experiment folder, runs the workers in its own
 * process with the process executor (a `netgrow train` child per run), and ends with a report.
 * Then `netgrow status` and `netgrow report` find the experiment by id alone.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { openStore } from '../../src/storage';
import { assertLineageComplete, candidateFiles, lineageOf, netgrow, tinyConfig } from './support';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-e2e-file-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('netgrow search: 2 generations × 3 through the embedded Temporal server on file://', async (t) => {
  await writeFile(join(dir, 'search.yaml'), stringify(tinyConfig({ storage: { uri: 'file://./runs' } })));
  const t0 = Date.now();
  const run = await netgrow(['search', '--config', 'search.yaml', '--headless'], { cwd: dir });
  t.diagnostic(`search: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const id = /^experiment (e2e-[a-z0-9]+):/m.exec(run.stdout)?.[1];
  assert.ok(id, run.stdout);
  const folder = join(dir, 'runs', 'experiments', id);
  assert.match(run.stdout, /search finished \(generations\): 7 candidates over 3 generations/);
  assert.match(run.stdout, new RegExp(`report: ${folder}/report/index.html`));
  assert.match(run.stdout, /^best: g\d-c\d completed: val_acc /m);
  assert.match(run.stdout, /g1-c\d train/, 'plain progress lines off a terminal');
  assert.match(run.stdout, /^test accuracy of the finalists, scored once after the search/m);
  assert.match(run.stdout, /^ {2}1\. g\d-c\d val_acc [\d.]+ {2}test_acc [\d.]+$/m);
  assert.ok(existsSync(join(folder, 'temporal', 'temporal.sqlite')), 'SQLite under the experiment folder');
  assert.ok(!existsSync(join(folder, 'temporal', 'server.json')), 'the server was stopped');

  const record = JSON.parse(await readFile(join(folder, 'experiment.json'), 'utf8'));
  assert.equal(record.id, id);
  assert.equal(record.config.strategy.population, 3);
  const exp = openStore(folder);
  const candidates = await candidateFiles(exp);
  assert.deepEqual(
    candidates.map((c) => c.id),
    ['g0-c0', 'g1-c0', 'g1-c1', 'g1-c2', 'g2-c0', 'g2-c1', 'g2-c2'],
  );
  for (const c of candidates) {
    assert.deepEqual(c.runs, [`${c.id}-a1`], `${c.id}: one training run`);
    assert.equal(c.results[0].status, 'completed');
    assert.equal(c.results[0].resumedFromEpoch, null);
    assert.equal(c.results[0].test, null, `${c.id}: no candidate's run looks at the test split`);
  }
  assertLineageComplete(
    await lineageOf(exp),
    candidates.map((c) => c.id),
  );
  assert.match(await readFile(join(folder, 'report', 'index.html'), 'utf8'), /^<!DOCTYPE html>/);

  // Status from the SQLite file alone (the search's server is gone): the final result.
  const status = await netgrow(['status', id, '--json'], { cwd: dir });
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout);
  assert.equal(s.workflowStatus, 'COMPLETED');
  assert.equal(s.result.candidates, 7);
  // Every candidate is ranked by the validation score its trainer wrote for its final checkpoint.
  for (const entry of s.result.leaderboard) {
    const result = candidates.find((c) => c.id === entry.candidateId)!.results[0];
    assert.equal(entry.valAcc, result.validation!.acc, `${entry.candidateId}: the trainer's score`);
    assert.equal(result.validation!.acc, result.final!.valAcc);
  }
  // The test split: once, for the three best by validation accuracy, in lineage and result.
  const finalists = (s.result.finalists as { candidateId: string; testAcc: number | null }[]).map(
    (f) => f.candidateId,
  );
  assert.deepEqual(
    finalists,
    s.result.leaderboard.slice(0, 3).map((e: { candidateId: string }) => e.candidateId),
  );
  assert.ok(s.result.finalists.every((f: { testAcc: number | null }) => f.testAcc !== null));
  const tests = (await lineageOf(exp)).filter((e) => e.type === 'test');
  assert.deepEqual(
    tests.map((e) => e.type === 'test' && e.candidate),
    finalists,
  );

  const report = await netgrow(['report', id], { cwd: dir });
  assert.equal(report.code, 0, report.stderr);
  assert.equal(report.stdout.trim().split('\n')[0], `report: ${folder}/report/index.html`);
});
