import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apply, assertPreserved, builtinNet, nodeIn, refusal } from './support/check';

describe('kernel', () => {
  test('3x3 → 5x5 and → 7x7: the old taps centred in zeros, function kept', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'kernel conv2 5');
    const n = nodeIn(r.graph, 'conv2');
    assert.equal(n.kind === 'conv2d' && n.kernel, 5);
    const k = r.weights.get('conv2/kernel')!;
    assert.deepEqual(k.shape, [5, 5, 64, 64]);
    const old = net.weights.get('conv2/kernel')!.data;
    const plane = 64 * 64;
    assert.equal(k.data[(2 * 5 + 2) * plane + 17], old[(1 * 3 + 1) * plane + 17]);
    assert.equal(k.data[(0 * 5 + 0) * plane + 17], 0);
    assert.deepEqual(r.changed, ['conv2']);
    assertPreserved(net, r);
    assertPreserved(net, apply(net, 'kernel conv1 7'));
  });

  test('strided convs where same padding keeps the taps centred', () => {
    const net = builtinNet('resnet-s', { inputShape: [8, 8, 1], numClasses: 3 });
    // b2_conv1: 3x3 stride 2 on 8x8 → pads 0 before at k=3, 1 at k=5.
    assertPreserved(net, apply(net, 'kernel @b2_conv1 5'));
  });

  test('refusals: not a conv, not larger, odd difference, valid padding, misaligned stride', () => {
    const teacher = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const cases: Array<[string, string, RegExp]> = [
      ['kernel fc1 3', 'wrong_kind', /fc1 is a dense; kernel applies to conv2d layers/],
      [
        'kernel conv1 3',
        'kernel_not_larger',
        /conv1 has a 3x3 kernel; the new size must be larger, received 3/,
      ],
      [
        'kernel conv1 4',
        'kernel_parity',
        /conv1: a 3x3 kernel can only grow by an even amount \(to 5, 7, \.\.\.\) so the old taps stay centred, received 4/,
      ],
    ];
    for (const [cmd, code, pattern] of cases) {
      const e = refusal(teacher, cmd);
      assert.equal(e.code, code, e.message);
      assert.match(e.message, pattern);
    }
    const lenet = builtinNet('lenet', { inputShape: [12, 12, 1], numClasses: 3 });
    const v = refusal(lenet, 'kernel conv2 7');
    assert.equal(v.code, 'padding');
    assert.match(
      v.message,
      /conv2 has padding 'valid'; a larger kernel would shrink its output, so kernel needs padding 'same'/,
    );
    const res = builtinNet('resnet-s', { inputShape: [8, 8, 1], numClasses: 3 });
    const s = refusal(res, 'kernel @b2_proj 3');
    assert.equal(s.code, 'stride_misaligned');
    assert.match(
      s.message,
      /conv6 \(@b2_proj\): with stride 2 on a 8x8 input, 'same' padding would not centre a 3x3 kernel on the old 1x1 taps/,
    );
  });
});
