import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GraphNodeInput, positionalNames } from '../../src/graph';
import { apply, assertPreserved, builtinNet, customNet, nodeIn, refusal } from './support/check';

describe('skip', () => {
  test('same shapes: a zero 1x1 projection added into the later block', () => {
    const net = builtinNet('vgg8', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'skip conv1 conv2');
    assert.deepEqual(r.added, ['conv2_skip1.proj', 'conv2_skip1']);
    assert.deepEqual(nodeIn(r.graph, 'conv2_skip1').inputs, ['conv2.act', 'conv2_skip1.proj']);
    assert.deepEqual(nodeIn(r.graph, 'pool1').inputs, ['conv2_skip1']);
    assert.ok(r.weights.get('conv2_skip1.proj/kernel')!.data.every((v) => v === 0));
    // The projection is a conv: it takes the slot after the layer it adds into.
    assert.equal(positionalNames(r.graph).get('conv2_skip1.proj'), 'conv3');
    assertPreserved(net, r);
  });

  test('a smaller map and more channels: max pool, then a projection', () => {
    const net = builtinNet('vgg8', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'skip conv1 conv3');
    const pool = nodeIn(r.graph, 'conv3_skip1.pool');
    assert.ok(pool.kind === 'maxpool2d' && pool.pool === 2 && pool.stride === 2);
    assert.deepEqual(r.weights.get('conv3_skip1.proj/kernel')!.shape, [1, 1, 64, 128]);
    assert.match(
      r.description,
      /skip from conv1 into conv3: add 'conv3_skip1' with a zero-initialised 1x1 conv projection \(64 → 128\) after a 2x2 max pool/,
    );
    assertPreserved(net, r);
  });

  test('an image into a vector goes through a global average pool and a dense projection', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'skip conv2 fc1');
    assert.deepEqual(r.added, ['fc1_skip1.gap', 'fc1_skip1.proj', 'fc1_skip1']);
    assert.deepEqual(r.weights.get('fc1_skip1.proj/kernel')!.shape, [64, 64]);
    assertPreserved(net, r);
  });

  test('refusals: itself, backwards, into the head, a smaller map', () => {
    const teacher = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const same = refusal(teacher, 'skip conv1 @conv1.act');
    assert.equal(same.code, 'same_node');
    assert.match(same.message, /skip from conv1 into itself; name two different layers/);
    const back = refusal(teacher, 'skip conv2 conv1');
    assert.equal(back.code, 'order');
    assert.match(
      back.message,
      /conv2 comes after conv1; skip adds an earlier layer into a later one \(skip conv1 conv2\?\)/,
    );
    const head = refusal(teacher, 'skip fc1 fc2');
    assert.equal(head.code, 'output_head');
    assert.match(
      head.message,
      /fc2 is the output head; a residual into it would change what the network outputs/,
    );
    const two: GraphNodeInput[] = [
      { id: 'input', kind: 'input', inputs: [], shape: [8, 8, 1] },
      { id: 'a', kind: 'conv2d', inputs: ['input'], filters: 2, kernel: 3 },
      { id: 'p', kind: 'maxpool2d', inputs: ['a'] },
      { id: 'b', kind: 'conv2d', inputs: ['p'], filters: 2, kernel: 3 },
      { id: 'g1', kind: 'globalavgpool', inputs: ['b'] },
      { id: 'c', kind: 'conv2d', inputs: ['input'], filters: 2, kernel: 3 },
      { id: 'g2', kind: 'globalavgpool', inputs: ['c'] },
      { id: 'cat', kind: 'concat', inputs: ['g1', 'g2'] },
      { id: 'out', kind: 'dense', inputs: ['cat'], units: 2 },
    ];
    const small = refusal(customNet(two, 'out'), 'skip @b @c');
    assert.equal(small.code, 'shape');
    assert.match(
      small.message,
      /conv2 \(@b\)'s 4x4 map is smaller than conv3 \(@c\)'s 8x8; nothing upsamples it/,
    );
  });
});
