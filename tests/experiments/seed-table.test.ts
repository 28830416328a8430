/** Experiment 3's driver at test size: the four vgg8 rows and the teacher, one seed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUPS, runSeedTable } from '../../experiments/seed-table';
import { checkSummary, tempPlace, TINY_DATA } from './support';

test('seed-table driver: vgg8, dropout, augmentation and the grown vgg8, figures, report and table', async (t) => {
  const { out, results } = await tempPlace('seed', t);
  const argv = [...TINY_DATA, '--set', 'seeds=2', '--set', 'width=0.125', '--set', 'epochs=1'];
  const r = await runSeedTable(
    [...argv, '--set', 'teacherEpochs=1', '--out', out, '--results', results],
    () => {},
  );
  const s = checkSummary(r, results, [...GROUPS, 'teacher'], 2);
  assert.equal(s.runs.length, 2 * (GROUPS.length + 1));
  // The grown network has vgg8's layer widths (the seed's plan reaches them from the teacher).
  const { readFileSync } = await import('node:fs');
  const md = readFileSync(results, 'utf8');
  const archOf = (g: string) =>
    new RegExp(`^\\| ${g.replace(/[+()]/g, '\\$&')} \\| (conv [\\d-]+ · fc [\\d-]+)`, 'm').exec(md)?.[1];
  assert.equal(archOf('vgg8 grown (seed plan 0)'), archOf('vgg8'));
  assert.match(md, /Ordering by mean test accuracy here: /);
});
