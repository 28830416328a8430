import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countParams, GraphNodeInput, Rng } from '../../src/graph';
import { morph } from '../../src/morph';
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

describe('wider: structure and behaviour', () => {
  test('conv feeding a flatten → dense: filters grow, the dense rows follow, function kept', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'wider conv2 x2');
    const conv2 = nodeIn(r.graph, 'conv2');
    assert.equal(conv2.kind === 'conv2d' && conv2.filters, 128);
    assert.deepEqual(r.weights.get('conv2/kernel')!.shape, [3, 3, 64, 128]);
    assert.deepEqual(r.weights.get('fc1/kernel')!.shape, [2 * 2 * 128, 64]);
    // Old channels keep their place; the new ones copy some of them.
    const k = r.weights.get('conv2/kernel')!.data;
    const old = net.weights.get('conv2/kernel')!.data;
    assert.equal(k[5 * 128 + 7], old[5 * 64 + 7]);
    assert.equal(countParams(r.graph) - countParams(net.graph), 9 * 64 * 64 + 64 + 4 * 64 * 64);
    assert.deepEqual(r.changed, ['conv2', 'fc1']);
    assert.match(r.description, /^conv2: 64 → 128 filters \(net2wider, noise 0.05\); fixed up fc1$/);
    assert.equal(r.preserving, true);
    assertPreserved(net, r);
  });

  test('a ratio rounds to whole filters; an absolute width works for dense layers', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'wider conv1 x1.5');
    assert.deepEqual(r.weights.get('conv1/kernel')!.shape, [3, 3, 1, 96]);
    assert.deepEqual(r.weights.get('conv2/kernel')!.shape, [3, 3, 96, 64]);
    assertPreserved(net, r);
    const mlp = builtinNet('mlp', { inputShape: [6], numClasses: 3 });
    const m = apply(mlp, 'wider fc2 200');
    assert.deepEqual(m.weights.get('fc2/kernel')!.shape, [256, 200]);
    assert.deepEqual(m.weights.get('fc3/kernel')!.shape, [200, 3]);
    assertPreserved(mlp, m);
  });

  test('noise is zero-sum over the replicas: symmetry broken, function kept exactly', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const quiet = apply(net, 'wider conv1 x3 noise=0');
    const noisy = apply(net, 'wider conv1 x3 noise=0.05');
    const differs = quiet.weights
      .get('conv2/kernel')!
      .data.some((v, i) => v !== noisy.weights.get('conv2/kernel')!.data[i]);
    assert.ok(differs, 'noise changed the outgoing weights');
    assertPreserved(net, quiet);
    assertPreserved(net, noisy);
  });

  test('batch norm and PReLU between the layer and its consumer replicate their parameters', () => {
    const net = customNet(
      [
        img(),
        { id: 'c1', kind: 'conv2d', inputs: ['input'], filters: 3, kernel: 3 },
        { id: 'bn', kind: 'batchnorm', inputs: ['c1'] },
        { id: 'pr', kind: 'activation', inputs: ['bn'], fn: 'prelu' },
        { id: 'pool', kind: 'maxpool2d', inputs: ['pr'] },
        { id: 'c2', kind: 'conv2d', inputs: ['pool'], filters: 2, kernel: 3 },
        { id: 'gap', kind: 'globalavgpool', inputs: ['c2'] },
      ],
      'gap',
    );
    const r = apply(net, 'wider conv1 7');
    for (const p of ['bn/gamma', 'bn/beta', 'bn/movingMean', 'bn/movingVariance', 'pr/alpha']) {
      assert.deepEqual(r.weights.get(p)!.shape, [7], p);
      assert.deepEqual([...r.weights.get(p)!.data.slice(0, 3)], [...net.weights.get(p)!.data], p);
    }
    assert.deepEqual(r.changed, ['c1', 'bn', 'pr', 'c2']);
    assertPreserved(net, r);
  });

  test('a concat downstream shifts the offsets of the channels after the widened ones', () => {
    const net = customNet(
      [
        img(),
        { id: 'a', kind: 'conv2d', inputs: ['input'], filters: 2, kernel: 1 },
        { id: 'b', kind: 'conv2d', inputs: ['input'], filters: 3, kernel: 3 },
        { id: 'cat', kind: 'concat', inputs: ['a', 'b'] },
        { id: 'c', kind: 'conv2d', inputs: ['cat'], filters: 2, kernel: 3 },
        { id: 'gmp', kind: 'globalmaxpool', inputs: ['c'] },
      ],
      'gmp',
    );
    const r = apply(net, 'wider conv1 5');
    assert.deepEqual(r.weights.get('c/kernel')!.shape, [3, 3, 8, 2]);
    // b's channels moved from offset 2 to offset 5 in c's fan-in, unchanged.
    const oldK = net.weights.get('c/kernel')!.data;
    const newK = r.weights.get('c/kernel')!.data;
    assert.equal(newK[5 * 2], oldK[2 * 2]);
    assertPreserved(net, r);
  });

  test('layers that meet in an add widen together (a residual block and its shortcut)', () => {
    const net = builtinNet('resnet-s', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'wider conv1 x2');
    for (const id of ['conv1', 'b1_conv2']) {
      const n = nodeIn(r.graph, id);
      assert.equal(n.kind === 'conv2d' && n.filters, 32, id);
    }
    assert.match(r.description, /widened with conv3 \(@b1_conv2\) \(they meet in an add\)/);
    assert.ok(
      r.changed.includes('b2_proj') && r.changed.includes('b2_conv1') && r.changed.includes('b1_bn2'),
    );
    assertPreserved(net, r);
  });

  test('grouped towers: each slice keeps a contiguous range and grows with its channels', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const grouped = apply(net, 'group conv1 3');
    const r = apply(grouped, 'wider conv1 x2');
    const slices = r.graph.nodes.filter((n) => n.kind === 'slice');
    let next = 0;
    for (const s of slices) {
      assert.ok(s.kind === 'slice');
      assert.equal(s.begin, next, 'slices tile the channels');
      next += s.size;
    }
    assert.equal(next, 128);
    assertPreserved(net, r);
  });

  test('random-pad adds random channels: valid, reported as not preserving', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const r = apply(net, 'wider conv2 x2 init=random-pad');
    assert.equal(r.preserving, false);
    assert.ok(outputChange(net, r).maxAbsDiff > 1e-6);
    // The originals keep their weights; the copies are random, inside their tower's slice.
    assert.equal(r.weights.get('conv2/kernel')!.data[7], net.weights.get('conv2/kernel')!.data[7]);
    const grouped = apply(apply(net, 'group conv1 3'), 'wider conv1 x2 init=random-pad');
    const sizes = grouped.graph.nodes.flatMap((n) => (n.kind === 'slice' ? [n.size] : []));
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      128,
    );
  });

  test('the same seed gives the same child', () => {
    const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });
    const a = morph(net.graph, net.weights, 'wider conv1 100', new Rng(9));
    const b = morph(net.graph, net.weights, 'wider conv1 100', new Rng(9));
    assert.deepEqual(a.weights, b.weights);
  });
});

describe('wider: refusals', () => {
  const teacher = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });

  test('unknown layer, wrong kind, width not larger', () => {
    assert.match(
      refusal(teacher, 'wider conv9 x2').message,
      /no layer 'conv9': the network has 2 conv2d layer\(s\) \(conv1\.\.conv2\)/,
    );
    const e = refusal(teacher, 'wider @pool1 x2');
    assert.equal(e.code, 'wrong_kind');
    assert.match(e.message, /maxpool2d 'pool1' is a maxpool2d; wider applies to conv2d and dense layers/);
    const small = refusal(teacher, 'wider conv1 32');
    assert.equal(small.code, 'width_not_larger');
    assert.match(small.message, /conv1 has 64 filters; the new width must be larger, received 32/);
    assert.match(
      refusal(teacher, 'wider fc1 x1').message,
      /fc1 has 64 units; the new width must be larger, received x1 = 64/,
    );
  });

  test('the output layer cannot widen (softmax head or plain output)', () => {
    const s = refusal(teacher, 'wider fc2 x2');
    assert.equal(s.code, 'softmax_channels');
    assert.match(s.message, /fc2's widened channels would pass through softmax 'fc2\.act'/);
    const linear = customNet(
      [
        { id: 'input', kind: 'input', inputs: [], shape: [4] },
        { id: 'd1', kind: 'dense', inputs: ['input'], units: 3 },
        { id: 'd2', kind: 'dense', inputs: ['d1'], units: 2 },
      ],
      'd2',
    );
    const o = refusal(linear, 'wider fc2 x2');
    assert.equal(o.code, 'output_head');
    assert.match(
      o.message,
      /fc2 \(@d2\)'s widened channels reach the network's output fc2 \(@d2\); that would change the output width/,
    );
  });

  test('an add whose other operand cannot widen (the input) is refused', () => {
    const net = customNet(
      [
        img(),
        { id: 'c', kind: 'conv2d', inputs: ['input'], filters: 2, kernel: 3 },
        { id: 'sum', kind: 'add', inputs: ['input', 'c'] },
        { id: 'gap', kind: 'globalavgpool', inputs: ['sum'] },
      ],
      'gap',
    );
    const e = refusal(net, 'wider conv1 x2');
    assert.equal(e.code, 'add_mismatch');
    assert.match(
      e.message,
      /conv1 \(@c\)'s widened channels meet input 'input' in add 'sum', which cannot widen with them/,
    );
  });

  test('a slice that would no longer be contiguous is refused', () => {
    // Behind a flatten every spatial position repeats the channels, so a slice that ends
    // inside the second position cannot take the first channel's replicas with it.
    const net = customNet(
      [
        img([2, 1, 2]),
        { id: 'b', kind: 'conv2d', inputs: ['input'], filters: 2, kernel: 1 },
        { id: 'flat', kind: 'flatten', inputs: ['b'] },
        { id: 'part', kind: 'slice', inputs: ['flat'], begin: 0, size: 3 },
        { id: 'out', kind: 'dense', inputs: ['part'], units: 2 },
      ],
      'out',
    );
    const e = refusal(net, 'wider conv1 12');
    assert.equal(e.code, 'slice_split');
    assert.match(
      e.message,
      /slice 'part' takes channels 0\.\.2, which would no longer be contiguous among conv1 \(@b\)'s widened channels/,
    );
  });
});
