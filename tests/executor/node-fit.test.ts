import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeShortfalls,
  nodeOffer,
  quantity,
  shortfalls,
  type NodeOffer,
} from '../../src/executor/node-fit';

const node = (name: string, allocatable: Record<string, string>, schedulable = true): NodeOffer => ({
  name,
  schedulable,
  allocatable,
});

describe('does some node offer what a trainer pod requests', () => {
  test('quantities: millicores, binary and decimal suffixes, plain numbers; nonsense is NaN', () => {
    assert.equal(quantity('500m'), 0.5);
    assert.equal(quantity('2'), 2);
    assert.equal(quantity('8Gi'), 8 * 2 ** 30);
    assert.equal(quantity('1G'), 1e9);
    assert.equal(quantity('1e3'), 1000);
    assert.equal(quantity(4), 4);
    assert.ok(Number.isNaN(quantity('8 gigs')));
  });

  test('a CPU-only cluster asked for a GPU: the GPU is named, with the most any node has', () => {
    const nodes = [node('a', { cpu: '2', memory: '7Gi' }), node('b', { cpu: '4', memory: '15Gi' })];
    const found = shortfalls(nodes, { cpu: '1', memory: '4Gi', 'nvidia.com/gpu': 1 });
    assert.deepEqual(found, [{ resource: 'nvidia.com/gpu', requested: '1', most: '0' }]);
    assert.equal(
      describeShortfalls(found, 2, 1800),
      'warning: none of the 2 node(s) that take pods offers all a trainer pod requests: nvidia.com/gpu 1 ' +
        '(the most a node offers: 0); its pods will wait Pending up to 1800 s each, then fail',
    );
  });

  test('each resource offered somewhere but never together: all of them are listed', () => {
    const nodes = [node('cpu', { cpu: '32', memory: '2Gi' }), node('mem', { cpu: '1', memory: '64Gi' })];
    assert.deepEqual(shortfalls(nodes, { cpu: '2', memory: '8Gi' }), [
      { resource: 'cpu', requested: '2', most: '32' },
      { resource: 'memory', requested: '8Gi', most: '64Gi' },
    ]);
  });

  test('one node that fits is enough; cordoned and NotReady nodes do not count', () => {
    const big = { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '8' };
    assert.deepEqual(
      shortfalls([node('small', { cpu: '1' }), node('big', big)], { cpu: '2', 'nvidia.com/gpu': 1 }),
      [],
    );
    assert.deepEqual(shortfalls([node('big', big, false)], { cpu: '2' }), [
      { resource: 'cpu', requested: '2', most: '0' },
    ]);
    const cordoned = nodeOffer({
      metadata: { name: 'c' },
      spec: { unschedulable: true },
      status: { allocatable: big, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const notReady = nodeOffer({
      metadata: { name: 'n' },
      status: { allocatable: big, conditions: [{ type: 'Ready', status: 'Unknown' }] },
    });
    const ready = nodeOffer({
      metadata: { name: 'r' },
      status: { allocatable: big, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    assert.deepEqual(
      [cordoned, notReady, ready].map((n) => n.schedulable),
      [false, false, true],
    );
    assert.equal(
      describeShortfalls([{ resource: 'cpu', requested: '2', most: '1' }], 1, null).endsWith(
        'wait Pending until one does',
      ),
      true,
    );
  });
});
