/**
 * `train.backend` in a search config forces what every candidate trains on: it goes into each
 * candidate's TrainSpec (which `netgrow train` follows unless its own --backend says otherwise);
 * absent, the spec names none and each trainer chooses. A name netgrow does not know is an
 * error at that path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SearchConfig } from '../../src/search/config';
import { specOf } from './candidate-spec';

test('train.backend reaches every candidate spec; absent, the spec names none', () => {
  for (const backend of ['graph', 'tensorflow'] as const) {
    assert.equal(specOf(SearchConfig.parse({ name: 'g', train: { backend } })).backend, backend);
  }
  const spec = specOf(SearchConfig.parse({ name: 'n' }));
  assert.equal(spec.backend, undefined);
  assert.ok(!('backend' in spec), 'no backend key: recorded histories stay as they were');
});

test('an unknown backend is an error at train.backend', () => {
  const r = SearchConfig.safeParse({ name: 'b', train: { backend: 'xla' } });
  assert.equal(r.success, false);
  assert.deepEqual(r.error!.issues[0].path, ['train', 'backend']);
});
