import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apply, assertPreserved, builtinNet, customNet, nodeIn, refusal } from './support/check';

describe('branch', () => {
  test('1x1 / 3x3 / 5x5 / pool towers beside the conv, read downstream with zero weights', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'branch conv2');
    const cat = nodeIn(r.graph, 'conv2_br1');
    assert.deepEqual(cat.inputs, [
      'conv2.act',
      'conv2_br1.c1.act',
      'conv2_br1.c3.act',
      'conv2_br1.c5.act',
      'conv2_br1.cp.act',
    ]);
    assert.deepEqual(nodeIn(r.graph, 'conv2_br1.c5').inputs, ['pool1']);
    // 64 + 4 towers of 16 = 128 channels into fc1 through the flatten.
    assert.deepEqual(r.weights.get('fc1/kernel')!.shape, [2 * 2 * 128, 64]);
    const rows = r.weights.get('fc1/kernel')!.data;
    assert.ok(
      rows.subarray(64 * 64, 128 * 64).every((v) => v === 0),
      'rows of the new channels are zero',
    );
    assert.ok(
      r.weights.get('conv2_br1.c3/kernel')!.data.some((v) => v !== 0),
      'towers start random',
    );
    assertPreserved(net, r);
  });

  test('towers of a given width, on a strided conv', () => {
    const net = builtinNet('resnet-s', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'branch @b2_conv1 width=3');
    assert.deepEqual(r.weights.get('b2_conv1_br1.cp/kernel')!.shape, [1, 1, 16, 3]);
    assertPreserved(net, r);
  });

  test('refusals: not a conv, beside the head, into an add, valid padding', () => {
    const teacher = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const kind = refusal(teacher, 'branch fc1');
    assert.equal(kind.code, 'wrong_kind');
    assert.match(kind.message, /fc1 is a dense; branch applies to conv2d layers/);
    const head = refusal(builtinNet('seed-ga', { inputShape: [8, 8, 1], numClasses: 3 }), 'branch conv2');
    assert.equal(head.code, 'softmax_channels');
    assert.match(head.message, /the new towers of 'conv2_br1' would pass through softmax 'softmax'/);
    const convOut = customNet(
      [
        { id: 'input', kind: 'input', inputs: [], shape: [6, 6, 1] },
        { id: 'c', kind: 'conv2d', inputs: ['input'], filters: 4, kernel: 3 },
        { id: 'act', kind: 'activation', inputs: ['c'], fn: 'relu' },
      ],
      'act',
    );
    const out = refusal(convOut, 'branch conv1');
    assert.equal(out.code, 'output_head');
    assert.match(
      out.message,
      /conv1 \(@c\) is the output head; towers beside it would change what the network outputs/,
    );
    const res = builtinNet('resnet-s', { inputShape: [8, 8, 1], numClasses: 3 });
    const add = refusal(res, 'branch @b1_conv2');
    assert.equal(add.code, 'add_mismatch');
    assert.match(add.message, /the new towers of 'b1_conv2_br1' meet .* in add 'b1_add'/);
    const lenet = builtinNet('lenet', { inputShape: [12, 12, 1], numClasses: 3 });
    const valid = refusal(lenet, 'branch conv2');
    assert.equal(valid.code, 'shape');
    assert.match(
      valid.message,
      /conv2 has padding 'valid' and maps 6x6 to 2x2; 'same'-padded towers beside it would give 6x6/,
    );
  });
});
