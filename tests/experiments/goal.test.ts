/**
 * The goal driver at test size: a real `netgrow search` (experiments/goal.yaml,
 * shrunk by --set to a tiny synthetic dataset and three candidates), its scratch control, the
 * same-time control, the report of that search read back again with `reuse`, and the control the
 * driver trains itself when the search was stopped before its own.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { GROUPS, runGoal } from '../../experiments/goal';
import { checkSummary, needsGraphEngine, tempPlace, TINY_DATA } from './support';

test(
  'goal driver: search, winner, both controls from scratch; a finished search reported again; a stopped one gets its control from the driver',
  { skip: needsGraphEngine() }, // experiments/goal.yaml trains on the graph engine
  async (t) => {
    const { out, results } = await tempPlace('goal', t);
    const small = ['--set', 'candidates=3', '--set', 'epochs=1', '--set', 'timeControl=true'];
    const argv = [...TINY_DATA, ...small, '--set', 'maxControlEpochs=2', '--out', out, '--results', results];
    const r = await runGoal(argv, () => {});
    const groups = [GROUPS.grown, GROUPS.lineage, GROUPS.time];
    const s = checkSummary(r, results, groups, 1);
    const [grown, lineage, time] = groups.map((g) => s.runs.find((x) => x.group === g)!);
    // The search's control gets the lineage's training FLOPs (goal.yaml's `scratch.match`): the
    // ancestors are no larger than the winner, so at most the lineage's epochs at its size.
    assert.ok(lineage.epochs >= 1 && lineage.epochs <= grown.epochs, `control: ${lineage.epochs} epochs`);
    assert.ok(s.notes.some((n) => /^the search's control trained \d+ epochs .* training FLOPs/.test(n)));
    assert.ok(time.epochs >= 1 && time.epochs <= 2, `time control: ${time.epochs} epochs`);
    assert.ok([grown, lineage, time].every((x) => x.testAcc !== null && x.params === grown.params));
    assert.match(s.notes[0], /^goal 93\.5% test accuracy: (not )?reached; the winner scored [\d.]+%/);
    assert.match(s.notes[1], /^the search trained 3 candidates, \d+ epochs in all/);

    // The same search and its same-time control, reported again without training anything.
    const again = await runGoal([...argv, '--set', 'reuse=true'], () => {});
    const g = (x: typeof s, name: string) => x.groups.find((f) => f.group === name)!.values;
    for (const group of groups) assert.deepEqual(g(again.summary, group), g(s, group), group);
    assert.equal(again.summary.runs.length, 3);

    // A search stopped before its end has no control of its own: the driver trains it instead.
    const outFile = join(out, 'goal-fmnist.out');
    const outcome = JSON.parse(readFileSync(outFile, 'utf8').trim().split('\n').at(-1)!);
    await rm(
      join(out, 'search', 'experiments', outcome.id, 'candidates', outcome.result.scratch.candidateId),
      {
        recursive: true,
      },
    );
    delete outcome.result.scratch;
    writeFileSync(
      outFile,
      `${JSON.stringify({ ...outcome, result: { ...outcome.result, reason: 'stopped' } })}\n`,
    );
    const stopped = await runGoal([...argv, '--set', 'reuse=true'], () => {});
    const control = stopped.summary.runs.find((x) => x.group === GROUPS.lineage)!;
    assert.equal(control.epochs, grown.epochs);
    assert.notEqual(control.wallSeconds, lineage.wallSeconds, 'trained again, by the driver');
    assert.deepEqual(g(stopped.summary, GROUPS.time), g(s, GROUPS.time), 'the time control is reused');
    assert.ok(
      stopped.summary.notes.some((n) => /did not run: the search ended stopped; this driver trained/.test(n)),
    );
  },
);
