/**
 * `train.continue` from the search config to each candidate's TrainSpec: lineage by default,
 * with the lineage schedule spanning `epochs × (generations + 1)` unless `lineageEpochs` says
 * otherwise; restart carries neither; a config from before the option (no `continue` in the
 * stored config) still builds restart specs, as its recorded histories did.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SearchConfig } from '../../src/search/config';
import { specOf } from './candidate-spec';

describe('train.continue in candidate specs', () => {
  test('lineage is the default; the schedule spans the longest lineage the search can grow', () => {
    const ga = SearchConfig.parse({
      name: 'a',
      train: { epochs: 3 },
      strategy: { kind: 'ga', generations: 4 },
    });
    assert.equal(ga.train.continue, 'lineage');
    const spec = specOf(ga);
    assert.equal(spec.continue, 'lineage');
    assert.equal(spec.lineageEpochs, 15);
    const plan = SearchConfig.parse({
      name: 'p',
      train: { epochs: 2 },
      strategy: { kind: 'plan', stages: ['wider conv1 x2', 'deeper conv1'] },
    });
    assert.equal(specOf(plan).lineageEpochs, 6);
    const explicit = SearchConfig.parse({ name: 'e', train: { epochs: 2, lineageEpochs: 40 } });
    assert.equal(specOf(explicit).lineageEpochs, 40);
  });

  test('restart, and a stored config from before the option, give restart specs', () => {
    const restart = specOf(SearchConfig.parse({ name: 'r', train: { continue: 'restart' } }));
    assert.equal(restart.continue, 'restart');
    assert.equal(restart.lineageEpochs, null);
    const old = SearchConfig.parse({ name: 'o' });
    delete (old.train as Partial<SearchConfig['train']>).continue;
    const spec = specOf(old);
    assert.equal(spec.continue, 'restart');
    assert.equal(spec.lineageEpochs, null);
  });

  test('a bad value is one clear error', () => {
    const r = SearchConfig.safeParse({ name: 'b', train: { continue: 'carry-on' } });
    assert.equal(r.success, false);
    assert.deepEqual(r.error!.issues[0].path, ['train', 'continue']);
  });
});
