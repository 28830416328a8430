import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { positionalNames } from '../../src/graph';
import { groupSizes } from '../../src/morph';
import { apply, assertPreserved, builtinNet, customNet, nodeIn, refusal } from './support/check';

describe('group', () => {
  test('filters split as in the seed: C / g each, the rest to the last tower', () => {
    assert.deepEqual(groupSizes(64, 3), [21, 21, 22]);
    assert.deepEqual(groupSizes(10, 4), [2, 2, 2, 4]);
    assert.deepEqual(groupSizes(6, 2), [3, 3]);
  });

  test('slices → identity towers (with the block activation) → concat, after the block', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'group conv1 3');
    const towers = r.graph.nodes.filter((n) => n.id.startsWith('conv1_grp1.t') && n.kind === 'conv2d');
    assert.deepEqual(
      towers.map((t) => (t.kind === 'conv2d' ? t.filters : 0)),
      [21, 21, 22],
    );
    const s2 = nodeIn(r.graph, 'conv1_grp1.s2');
    assert.ok(s2.kind === 'slice' && s2.begin === 21 && s2.size === 21);
    assert.equal(nodeIn(r.graph, 'conv1_grp1.t2.act').kind, 'activation');
    assert.deepEqual(nodeIn(r.graph, 'pool1').inputs, ['conv1_grp1']);
    assert.deepEqual(
      towers.map((t) => positionalNames(r.graph).get(t.id)),
      ['conv2', 'conv3', 'conv4'],
    );
    assertPreserved(net, r);
  });

  test('PReLU blocks get PReLU towers (alpha 1); kernel=5 towers', () => {
    const net = builtinNet('seed-ga', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'group conv1 5 kernel=5');
    assert.deepEqual([...r.weights.get('conv1_grp1.t1.act/alpha')!.data].slice(0, 3), [1, 1, 1]);
    assert.deepEqual(r.weights.get('conv1_grp1.t5/kernel')!.shape, [5, 5, 28, 28]);
    assertPreserved(net, r);
  });

  test('refusals: not a conv, too few channels, the output head', () => {
    const convOut = customNet(
      [
        { id: 'input', kind: 'input', inputs: [], shape: [6, 6, 1] },
        { id: 'c', kind: 'conv2d', inputs: ['input'], filters: 4, kernel: 3 },
      ],
      'c',
    );
    const head = refusal(convOut, 'group conv1 2');
    assert.equal(head.code, 'output_head');
    assert.match(
      head.message,
      /conv1 \(@c\) is the output head; a grouped block after it would change what the network outputs/,
    );
    const teacher = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const kind = refusal(teacher, 'group fc1 2');
    assert.equal(kind.code, 'wrong_kind');
    assert.match(kind.message, /fc1 is a dense; group applies to conv2d layers/);
    const ga = builtinNet('seed-ga', { inputShape: [8, 8, 1], numClasses: 2 });
    const few = refusal(ga, 'group conv2 3');
    assert.equal(few.code, 'too_few_channels');
    assert.match(few.message, /conv2 has 2 filter\(s\), too few to split into 3 groups/);
  });
});
