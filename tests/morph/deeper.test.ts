import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GraphNodeInput, positionalNames, Rng } from '../../src/graph';
import { applyCommands } from '../../src/morph';
import {
  apply,
  assertPreserved,
  builtinNet,
  customNet,
  nodeIn,
  outputChange,
  refusal,
} from './support/check';

const img = (shape = [6, 6, 2]): GraphNodeInput => ({ id: 'input', kind: 'input', inputs: [], shape });

/** input → conv c (3 filters) → `after` nodes → global average pool → dense. */
function convThen(after: GraphNodeInput[]) {
  const last = after.length ? after[after.length - 1].id : 'c';
  return customNet(
    [
      img(),
      { id: 'c', kind: 'conv2d', inputs: ['input'], filters: 3, kernel: 3 },
      ...after,
      { id: 'gap', kind: 'globalavgpool', inputs: [last] },
      { id: 'out', kind: 'dense', inputs: ['gap'], units: 2 },
    ],
    'out',
  );
}

describe('deeper: structure and behaviour', () => {
  test("the new conv takes the next positional slot (the seed's reorder_model)", () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'deeper conv2');
    const names = positionalNames(r.graph);
    assert.equal(names.get('conv2_deep1'), 'conv3');
    assert.deepEqual(r.added, ['conv2_deep1', 'conv2_deep1.act']);
    assert.deepEqual(nodeIn(r.graph, 'conv2_deep1').inputs, ['conv2.act']);
    assert.deepEqual(nodeIn(r.graph, 'pool2').inputs, ['conv2_deep1.act']);
    assert.match(
      r.description,
      /^new conv3 \(@conv2_deep1\) after conv2: identity 3x3 conv2d, 64 filters \+ 'conv2_deep1\.act'$/,
    );
    assertPreserved(net, r);
    // Deepening the new layer names the next one after the same root.
    const again = apply(r, 'deeper conv3');
    assert.equal(positionalNames(again.graph).get('conv2_deep2'), 'conv4');
    assertPreserved(net, again);
  });

  test('dense: an identity matrix after the activation', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'deeper fc1');
    assert.equal(positionalNames(r.graph).get('fc1_deep1'), 'fc2');
    const k = r.weights.get('fc1_deep1/kernel')!;
    assert.deepEqual(k.shape, [64, 64]);
    assert.equal(k.data[5 * 64 + 5], 1);
    assert.equal(k.data[5 * 64 + 6], 0);
    assertPreserved(net, r);
  });

  test('any odd kernel; the identity tap is centred', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'deeper conv1 kernel=5');
    const k = r.weights.get('conv1_deep1/kernel')!;
    assert.deepEqual(k.shape, [5, 5, 64, 64]);
    assert.equal(k.data[((2 * 5 + 2) * 64 + 9) * 64 + 9], 1);
    assertPreserved(net, r);
  });

  test('batch norm in the block is mirrored with identity statistics; PReLU gets alpha 1', () => {
    const net = convThen([
      { id: 'bn', kind: 'batchnorm', inputs: ['c'], epsilon: 0.01 },
      { id: 'act', kind: 'activation', inputs: ['bn'], fn: 'prelu' },
    ]);
    const r = apply(net, 'deeper conv1');
    assert.deepEqual(r.added, ['c_deep1', 'c_deep1.bn', 'c_deep1.act']);
    const bn = nodeIn(r.graph, 'c_deep1.bn');
    assert.equal(bn.kind === 'batchnorm' && bn.epsilon, 0.01);
    assert.deepEqual([...r.weights.get('c_deep1.act/alpha')!.data], [1, 1, 1]);
    assertPreserved(net, r);
  });

  test('after a ReLU that a batch norm follows: between them, with a ReLU of its own', () => {
    const net = convThen([
      { id: 'act', kind: 'activation', inputs: ['c'], fn: 'relu' },
      { id: 'bn', kind: 'batchnorm', inputs: ['act'] },
    ]);
    const r = apply(net, 'deeper conv1');
    assert.deepEqual(r.added, ['c_deep1', 'c_deep1.bn', 'c_deep1.act']);
    assert.deepEqual(nodeIn(r.graph, 'c_deep1').inputs, ['act']);
    assert.deepEqual(nodeIn(r.graph, 'bn').inputs, ['c_deep1.act']);
    assert.equal(r.linearLayer, false);
    assertPreserved(net, r);
  });

  test('conv → BN → ReLU: after the ReLU, with BN and ReLU of its own', () => {
    const net = convThen([
      { id: 'bn', kind: 'batchnorm', inputs: ['c'] },
      { id: 'act', kind: 'activation', inputs: ['bn'], fn: 'relu' },
    ]);
    const r = apply(net, 'deeper conv1');
    assert.deepEqual(r.added, ['c_deep1', 'c_deep1.bn', 'c_deep1.act']);
    assert.deepEqual(nodeIn(r.graph, 'c_deep1').inputs, ['act']);
    assert.equal(r.linearLayer, false);
    assertPreserved(net, r);
  });

  test('after tanh, ELU, sigmoid or a trailing batch norm: no activation, reported as a linear layer', () => {
    for (const fn of ['tanh', 'elu', 'sigmoid'] as const) {
      const net = convThen([{ id: 'act', kind: 'activation', inputs: ['c'], fn }]);
      const r = apply(net, 'deeper conv1');
      assert.deepEqual(r.added, ['c_deep1'], fn);
      assert.equal(r.linearLayer, true, fn);
      assert.match(
        r.description,
        /; adds a linear layer \(the block of conv1 \(@c\) has no ReLU or PReLU\)$/,
      );
      assertPreserved(net, r);
    }
    const net = convThen([{ id: 'bn', kind: 'batchnorm', inputs: ['c'] }]);
    const r = apply(net, 'deeper conv1');
    assert.deepEqual(r.added, ['c_deep1', 'c_deep1.bn']);
    assert.equal(r.linearLayer, true);
    assertPreserved(net, r);
  });

  test('applyCommands and the lineage fields carry linearLayer per step', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const bn = convThen([{ id: 'bn', kind: 'batchnorm', inputs: ['c'] }]);
    const steps = (n: typeof net, ops: string) =>
      applyCommands(n.graph, n.weights, ops, new Rng(1)).steps.map((s) => s.linearLayer);
    assert.deepEqual(steps(net, 'deeper conv2; wider fc1 x2'), [false, false]);
    assert.deepEqual(steps(bn, 'deeper conv1; deeper conv2'), [true, true]);
  });

  test('a conv with no activation before a global max pool may deepen (seed-ga conv2), linearly', () => {
    const net = builtinNet('seed-ga', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'deeper conv2');
    assert.deepEqual(r.added, ['conv2_deep1']);
    assert.equal(r.linearLayer, true);
    assertPreserved(net, r);
  });

  test('seed-ga-bn and cnn-bn: every conv deepens with an exact nonlinearity, or says it cannot', () => {
    const ga = builtinNet('seed-ga-bn', { inputShape: [8, 8, 1], numClasses: 3 });
    const r1 = apply(ga, 'deeper conv1');
    assert.deepEqual(r1.added, ['conv1_deep1', 'conv1_deep1.bn', 'conv1_deep1.act']);
    assert.equal(r1.linearLayer, false);
    assertPreserved(ga, r1);
    const r2 = apply(ga, 'deeper conv2');
    assert.equal(r2.linearLayer, true);
    assertPreserved(ga, r2);
    const cnn = builtinNet('cnn-bn', { inputShape: [8, 8, 1], numClasses: 3 });
    for (const layer of ['conv1', 'conv2', 'conv3', 'fc1']) {
      const r = apply(cnn, `deeper ${layer}`);
      assert.equal(r.linearLayer, false, layer);
      assertPreserved(cnn, r);
    }
  });

  test("pool=max: the seed's deeper-with-pooling, reported as not preserving; fc rows follow", () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'deeper conv2 pool=max');
    assert.equal(r.preserving, false);
    assert.deepEqual(r.added, ['conv2_deep1', 'conv2_deep1.act', 'conv2_deep1.pool']);
    assert.deepEqual(r.weights.get('fc1/kernel')!.shape, [1 * 1 * 64, 64]);
    assert.match(
      r.description,
      /max pool 'conv2_deep1.pool' after conv3 \(@conv2_deep1\): 4x4 → 2x2; fc1 rows summed over pooled positions \(not function-preserving\)/,
    );
    assert.ok(outputChange(net, r).maxAbsDiff > 0);
    const avg = apply(net, 'deeper conv1 pool=avg');
    assert.equal(nodeIn(avg.graph, 'conv1_deep1.pool').kind, 'avgpool2d');
  });
});

describe('deeper: refusals', () => {
  const teacher = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });

  test('the output head', () => {
    const e = refusal(teacher, 'deeper fc2');
    assert.equal(e.code, 'output_head');
    assert.match(e.message, /fc2 is the output head; a layer after it would change what the network outputs/);
  });

  test('not a conv2d or dense layer', () => {
    const e = refusal(teacher, 'deeper @flatten');
    assert.equal(e.code, 'wrong_kind');
    assert.match(e.message, /flatten 'flatten' is a flatten; deeper applies to conv2d and dense layers/);
  });

  test('pooling after a dense layer', () => {
    const e = refusal(teacher, 'deeper fc1 pool=max');
    assert.equal(e.code, 'wrong_kind');
    assert.match(e.message, /fc1 is dense; pool=max needs a conv2d layer/);
  });

  test('a pool that would shrink the map below 1x1', () => {
    const tiny = builtinNet('seed-ga', { inputShape: [3, 3, 1], numClasses: 3 });
    const e = refusal(tiny, 'deeper conv2 pool=max');
    assert.equal(e.code, 'pool_too_small');
    assert.match(e.message, /a 2x2 pool after conv3 \(@conv2_deep1\) would shrink its 1x1 map below 1x1/);
  });

  test('a pool whose smaller map an add cannot take', () => {
    const res = builtinNet('resnet-s', { inputShape: [8, 8, 1], numClasses: 3 });
    const e = refusal(res, 'deeper conv2 pool=max');
    assert.equal(e.code, 'shape');
    assert.match(
      e.message,
      /a max pool after conv3 \(@b1_conv1_deep1\) does not fit the network: add 'b1_add' adds tensors of different shapes/,
    );
  });
});
