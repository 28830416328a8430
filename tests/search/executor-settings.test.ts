/**
 * The merge rule of a search's `executor` section over a worker's (src/search/executor-settings.ts,
 * k8s/README.md), which fields a search set (never a schema default), and the worker's allow list.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SearchConfig, type KubernetesExecutorConfig } from '../../src/search/config';
import { forbiddenSettings, mergeExecutor, searchExecutorSettings } from '../../src/search/executor-settings';
import { SearchExecutorSettings } from '../../src/contracts/executor-settings';

const kube = (executor: object): KubernetesExecutorConfig => {
  const c = SearchConfig.parse({ name: 'w', executor: { kind: 'kubernetes', ...executor } }).executor;
  assert.equal(c.kind, 'kubernetes');
  return c as KubernetesExecutorConfig;
};

function settingsOf(executor: object) {
  const raw = { name: 's', executor: { kind: 'kubernetes', ...executor } };
  return searchExecutorSettings(raw, SearchConfig.parse(raw));
}

test('only the fields the user wrote are settings: schema defaults and worker-only fields are not', () => {
  const s = settingsOf({
    image: 'ghcr.io/org/trainer:2',
    parallelism: 8,
    kubeconfig: '/k',
    pod: { resources: { requests: { cpu: '4' } }, nodeSelector: { pool: 'gpu' } },
  });
  assert.deepEqual(s, {
    image: 'ghcr.io/org/trainer:2',
    pod: { resources: { requests: { cpu: '4' } }, nodeSelector: { pool: 'gpu' } },
  });
  assert.equal(settingsOf({}), undefined, 'a bare kubernetes section sets nothing');
  assert.equal(settingsOf({ image: null }), undefined, 'image: null is "the worker\'s image"');
  assert.deepEqual(settingsOf({ unschedulableTimeout: null }), { unschedulableTimeout: null });
  const proc = { name: 's', executor: { kind: 'process', gpus: 0 } };
  assert.equal(searchExecutorSettings(proc, SearchConfig.parse(proc)), undefined);
  // What travels validates where it arrives.
  assert.equal(SearchExecutorSettings.safeParse(s).success, true);
  assert.equal(SearchExecutorSettings.safeParse({ parallelism: 3 }).success, false);
});

test('scalars: the search wins where set; maps merge per key; env by name; other lists replace', () => {
  const worker = kube({
    namespace: 'netgrow',
    image: 'trainer:1',
    gpus: 1,
    unschedulableTimeout: '30m',
    pod: {
      resources: { requests: { cpu: '1', memory: '8Gi' }, limits: { memory: '8Gi' } },
      nodeSelector: { pool: 'cpu', zone: 'a' },
      labels: { team: 'ml' },
      tolerations: [{ key: 'a', operator: 'Exists' }],
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
      priorityClassName: 'normal',
    },
  });
  const merged = mergeExecutor(worker, {
    image: 'trainer:2',
    gpus: 0,
    unschedulableTimeout: null,
    pod: {
      resources: { requests: { cpu: '4' } },
      nodeSelector: { pool: 'gpu' },
      tolerations: [{ key: 'b', operator: 'Exists' }],
      env: [{ name: 'B', value: '3' }],
      priorityClassName: 'batch-low',
    },
  });
  assert.equal(merged.image, 'trainer:2');
  assert.equal(merged.gpus, 0);
  assert.equal(merged.unschedulableTimeout, null, 'null is a value a search can set');
  assert.equal(merged.namespace, 'netgrow', 'unset: the worker’s');
  assert.deepEqual(merged.pod.resources, {
    requests: { cpu: '4', memory: '8Gi' },
    limits: { memory: '8Gi' },
  });
  assert.deepEqual(merged.pod.nodeSelector, { pool: 'gpu', zone: 'a' });
  assert.deepEqual(merged.pod.labels, { team: 'ml' });
  assert.deepEqual(merged.pod.tolerations, [{ key: 'b', operator: 'Exists' }]);
  assert.deepEqual(merged.pod.env, [
    { name: 'A', value: '1' },
    { name: 'B', value: '3' },
  ]);
  assert.equal(merged.pod.priorityClassName, 'batch-low');
  assert.equal(worker.image, 'trainer:1', 'the worker’s config is not written');
});

test('the worker refuses a field its allowSearch leaves out, one line naming it; its own value passes', () => {
  const worker = kube({ namespace: 'netgrow' });
  assert.deepEqual(forbiddenSettings(worker, { namespace: 'other' }), [
    "executor.namespace: this worker does not let a search set it (its executor.allowSearch does not list namespace); remove it from the search config, or add it to the worker's allowSearch",
  ]);
  assert.deepEqual(forbiddenSettings(worker, { namespace: 'netgrow' }), [], 'the worker’s own namespace');
  assert.deepEqual(forbiddenSettings(worker, { image: 'x:1', pod: { nodeSelector: { a: 'b' } } }), []);
  const locked = kube({ allowSearch: ['pod.resources'] });
  assert.deepEqual(
    forbiddenSettings(locked, { image: 'x:1', pod: { resources: { limits: { memory: '1Gi' } } } }).map(
      (l) => l.split(':')[0],
    ),
    ['executor.image'],
  );
  assert.deepEqual(forbiddenSettings(kube({ allowSearch: ['namespace'] }), { namespace: 'other' }), []);
});

test('allowSearch names only fields a search can set', () => {
  const r = SearchConfig.safeParse({
    name: 'w',
    executor: { kind: 'kubernetes', allowSearch: ['kubeconfig'] },
  });
  assert.equal(r.success, false);
});
