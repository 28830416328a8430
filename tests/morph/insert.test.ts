import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apply, assertPreserved, builtinNet, nodeIn, outputChange, refusal } from './support/check';

describe('insert', () => {
  const teacher = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });

  test('bn goes right after the layer, with identity statistics', () => {
    const r = apply(teacher, 'insert conv1 bn');
    assert.deepEqual(nodeIn(r.graph, 'conv1_bn1').inputs, ['conv1']);
    assert.deepEqual(nodeIn(r.graph, 'conv1.act').inputs, ['conv1_bn1']);
    assert.equal(r.preserving, true);
    assertPreserved(teacher, r);
    assertPreserved(teacher, apply(teacher, 'insert fc1 bn'));
  });

  test('dropout goes after the block; the identity at inference', () => {
    const r = apply(teacher, 'insert conv1 dropout=0.3');
    const d = nodeIn(r.graph, 'conv1_drop1');
    assert.ok(d.kind === 'dropout' && d.rate === 0.3);
    assert.deepEqual(d.inputs, ['conv1.act']);
    assertPreserved(teacher, r);
  });

  test('after a node named by id', () => {
    const r = apply(teacher, 'insert @pool1 bn');
    assert.deepEqual(nodeIn(r.graph, 'pool1_bn1').inputs, ['pool1']);
    assertPreserved(teacher, r);
  });

  test('pools are not preserving; a dense behind the flatten keeps working', () => {
    const r = apply(teacher, 'insert conv2 avgpool');
    assert.equal(r.preserving, false);
    assert.equal(nodeIn(r.graph, 'conv2_pool1').kind, 'avgpool2d');
    assert.deepEqual(r.weights.get('fc1/kernel')!.shape, [64, 64]);
    assert.ok(outputChange(teacher, r).maxAbsDiff > 0);
  });

  test('refusals: after the output, a pool on a vector or a 1x1 map, a pool an add cannot take', () => {
    const out = refusal(teacher, 'insert @fc2.act bn');
    assert.equal(out.code, 'output_head');
    assert.match(
      out.message,
      /activation 'fc2.act' is the network's output; a layer after it would become the output/,
    );
    const vec = refusal(teacher, 'insert fc1 maxpool');
    assert.equal(vec.code, 'wrong_kind');
    assert.match(
      vec.message,
      /a pool needs an image \[H, W, C\], but the output of 'fc1.act' is a vector \[64\]/,
    );
    const tiny = builtinNet('seed-ga', { inputShape: [3, 3, 1], numClasses: 3 });
    const small = refusal(tiny, 'insert conv2 maxpool');
    assert.equal(small.code, 'pool_too_small');
    assert.match(small.message, /a 2x2 pool after conv2 would shrink its 1x1 map below 1x1/);
    const res = builtinNet('resnet-s', { inputShape: [8, 8, 1], numClasses: 3 });
    const add = refusal(res, 'insert conv2 maxpool');
    assert.equal(add.code, 'shape');
    assert.match(
      add.message,
      /a max pool after conv2 \(@b1_conv1\) \(after 'b1_relu1'\) does not fit the network: add 'b1_add' adds tensors of different shapes/,
    );
  });
});
