/**
 * The quickstart control's driver at test size: a real `netgrow search` (the quickstart's
 * config, shrunk by --set to a tiny synthetic dataset), then its winner's architecture and the
 * start architecture trained from scratch for the winner lineage's epochs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUPS, runQuickstartControl } from '../../experiments/quickstart-control';
import { checkSummary, tempPlace } from './support';

test('quickstart-control driver: the search, its winner and both controls; figures, report and table', async (t) => {
  const { out, results } = await tempPlace('qs', t);
  const data = ['--set', 'dataset=synthetic:8x8x1:256:4c', '--set', 'limit=1', '--set', 'validation=0.25'];
  const small = [
    '--set',
    'seeds=2',
    '--set',
    'start=seed-ga',
    '--set',
    'population=2',
    '--set',
    'generations=1',
  ];
  const r = await runQuickstartControl(
    [...data, ...small, '--set', 'epochs=1', '--out', out, '--results', results],
    () => {},
  );
  const s = checkSummary(r, results, GROUPS.slice(1), 2);
  assert.equal(
    s.runs.filter((x) => x.group === GROUPS[0]).length,
    4,
    'start model + 2 children + the continue control',
  );
  // The controls train as many epochs as the winner's lineage: 1 (start model) or 2 (a child).
  const controls = s.runs.filter((x) => x.group !== GROUPS[0]);
  assert.equal(controls.length, 4);
  assert.ok(controls.every((x) => x.epochs === controls[0].epochs && [1, 2].includes(x.epochs)));
  assert.match(s.notes[0], /^best validation accuracy so far, by generation: g0 [\d.]+, g1 [\d.]+$/);
});
