/**
 * `dataset.staged`, set at launch on s3:// storage, reaches every candidate's TrainSpec with
 * the rest of the dataset spec; absent, specs carry no key (recorded histories stay as they
 * were). A malformed digest is an error at its path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SearchConfig } from '../../src/search/config';
import { specOf } from './candidate-spec';

const staged = { manifest: `s3://b/runs/datasets/sha256/${'a'.repeat(64)}.json`, sha256: 'a'.repeat(64) };

test('dataset.staged reaches every candidate spec; absent, the spec has no such key', () => {
  const spec = specOf(SearchConfig.parse({ name: 's', dataset: { name: 'mnist', staged } }));
  assert.deepEqual(spec.dataset.staged, staged);
  assert.equal(spec.dataset.name, 'mnist');
  const plain = specOf(SearchConfig.parse({ name: 'p' }));
  assert.ok(!('staged' in plain.dataset));
});

test('a staged copy without a sha256 digest is an error at dataset.staged', () => {
  const r = SearchConfig.safeParse({ name: 'x', dataset: { staged: { ...staged, sha256: 'ABC' } } });
  assert.equal(r.success, false);
  assert.deepEqual(r.error!.issues[0].path, ['dataset', 'staged', 'sha256']);
});
