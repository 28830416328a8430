import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  builtin,
  BUILTIN_NAMES,
  countFlops,
  countParams,
  GraphError,
  graphToJson,
  inferShapes,
  initWeights,
  checkWeights,
  parseGraph,
  parseGraphJson,
  positionalNames,
  resolveNode,
  Rng,
  summarize,
} from '../../src/graph';

const base = (nodes: unknown[], output = 'out') => ({ format: 'netgrow.graph/v1', name: 't', nodes, output });

function errorOf(fn: () => unknown): GraphError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GraphError, `expected a GraphError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `error is one line: ${e.message}`);
    return e;
  }
  assert.fail('expected an error');
}

describe('builtins', () => {
  for (const name of BUILTIN_NAMES) {
    test(`${name} parses, infers shapes, and round-trips through graph.json`, () => {
      for (const opts of [{}, { inputShape: [32, 32, 3], numClasses: 100 }]) {
        const g = builtin(name, opts);
        const shapes = inferShapes(g);
        assert.deepEqual(shapes.get(g.output), [opts.numClasses ?? 10]);
        assert.deepEqual(parseGraphJson(graphToJson(g)), g);
        const w = initWeights(g, new Rng(1));
        checkWeights(g, w);
        assert.equal(
          [...w.values()].reduce((a, t) => a + t.data.length, 0),
          countParams(g),
        );
      }
    });
  }

  test('lenet has the classic LeNet-5 parameter count and multiply-adds', () => {
    const g = builtin('lenet');
    assert.equal(countParams(g), 61706);
    // conv1 28*28*6*25 + conv2 10*10*16*150 + 400*120 + 120*84 + 84*10
    assert.equal(countFlops(g).macs, 117600 + 240000 + 48000 + 10080 + 840);
  });

  test('vgg8 has the seed widths', () => {
    const g = builtin('vgg8');
    const convs = g.nodes
      .filter((n) => n.kind === 'conv2d')
      .map((n) => (n.kind === 'conv2d' ? n.filters : 0));
    assert.deepEqual(convs, [64, 64, 128, 128, 256, 256, 256, 256]);
    const fcs = g.nodes.filter((n) => n.kind === 'dense').map((n) => (n.kind === 'dense' ? n.units : 0));
    assert.deepEqual(fcs, [2048, 1024, 10]);
  });

  test('seed-ga ends in global max pool and softmax over n_class channels', () => {
    const g = builtin('seed-ga', { numClasses: 7 });
    const rows = summarize(g);
    assert.deepEqual(rows.find((r) => r.id === 'gmp')?.outputShape, [7]);
    assert.ok(g.nodes.some((n) => n.kind === 'activation' && n.fn === 'prelu'));
  });
});

describe('positional names', () => {
  test('convK and fcK follow topological order; ids resolve with @', () => {
    const g = builtin('seed-teacher');
    assert.deepEqual(
      [...positionalNames(g).entries()],
      [
        ['conv1', 'conv1'],
        ['conv2', 'conv2'],
        ['fc1', 'fc1'],
        ['fc2', 'fc2'],
      ],
    );
    assert.equal(resolveNode(g, 'conv2').id, 'conv2');
    assert.equal(resolveNode(g, '@pool1').id, 'pool1');
    assert.match(errorOf(() => resolveNode(g, 'conv3')).message, /no layer 'conv3'.*2 conv2d layer/);
  });

  test('canonical order puts a node inserted after conv1 next, whatever its array position', () => {
    const g = parseGraph(
      base([
        { id: 'in', kind: 'input', shape: [8, 8, 1] },
        { id: 'a', kind: 'conv2d', inputs: ['in'], filters: 2, kernel: 3 },
        { id: 'c', kind: 'conv2d', inputs: ['b'], filters: 2, kernel: 3 },
        { id: 'b', kind: 'conv2d', inputs: ['a'], filters: 2, kernel: 3 },
        { id: 'out', kind: 'globalavgpool', inputs: ['c'] },
      ]),
    );
    assert.deepEqual(
      g.nodes.map((n) => n.id),
      ['in', 'a', 'b', 'c', 'out'],
    );
    assert.equal(resolveNode(g, 'conv2').id, 'b');
  });
});

describe('validation errors name the node', () => {
  const input = { id: 'in', kind: 'input', shape: [8, 8, 3] };
  const cases: Array<[string, unknown, RegExp, string]> = [
    [
      'cycle',
      base([
        input,
        { id: 'a', kind: 'add', inputs: ['in', 'b'] },
        { id: 'b', kind: 'activation', inputs: ['a'], fn: 'relu' },
        { id: 'out', kind: 'globalavgpool', inputs: ['b'] },
      ]),
      /cycle.*'a'.*'b'/,
      'cycle',
    ],
    [
      'dangling input',
      base([input, { id: 'out', kind: 'globalavgpool', inputs: ['nope'] }]),
      /globalavgpool 'out' reads 'nope'/,
      'dangling_input',
    ],
    [
      'shape mismatch',
      base([
        input,
        { id: 'c', kind: 'conv2d', inputs: ['in'], filters: 4, kernel: 3 },
        { id: 'a', kind: 'add', inputs: ['in', 'c'] },
        { id: 'out', kind: 'globalavgpool', inputs: ['a'] },
      ]),
      /add 'a' adds tensors of different shapes: \[8, 8, 3\] \+ \[8, 8, 4\]/,
      'shape',
    ],
    [
      'dense on an image',
      base([input, { id: 'out', kind: 'dense', inputs: ['in'], units: 3 }]),
      /dense 'out' expects a vector.*flatten/,
      'shape',
    ],
    [
      'unknown field',
      base([input, { id: 'c', kind: 'conv2d', inputs: ['in'], filtres: 4, filters: 4, kernel: 3 }], 'c'),
      /conv2d 'c': unknown field\(s\) `filtres`/,
      'schema',
    ],
    [
      'bad value',
      base(
        [
          input,
          { id: 'f', kind: 'flatten', inputs: ['in'] },
          { id: 'fc1', kind: 'dense', inputs: ['f'], units: 0 },
        ],
        'fc1',
      ),
      /dense 'fc1': `units` .*received 0/,
      'schema',
    ],
    [
      'unknown kind',
      base([input, { id: 'x', kind: 'conv3d', inputs: ['in'] }], 'x'),
      /conv3d 'x'|node #2/,
      'schema',
    ],
    [
      'valid conv too large',
      base(
        [input, { id: 'c', kind: 'conv2d', inputs: ['in'], filters: 1, kernel: 9, padding: 'valid' }],
        'c',
      ),
      /conv2d 'c' kernel 9 with padding 'valid' does not fit a 8x8 input/,
      'shape',
    ],
    [
      'pool below 1x1',
      base(
        [
          { id: 'in', kind: 'input', shape: [1, 1, 3] },
          { id: 'p', kind: 'maxpool2d', inputs: ['in'] },
        ],
        'p',
      ),
      /maxpool2d 'p' a 2x2 pool would shrink the 1x1 map below 1x1/,
      'shape',
    ],
    [
      'dead node',
      base([
        input,
        { id: 'dead', kind: 'flatten', inputs: ['in'] },
        { id: 'out', kind: 'globalavgpool', inputs: ['in'] },
      ]),
      /flatten 'dead' does not lead to the output 'out'/,
      'unreachable',
    ],
    [
      'duplicate id',
      base([input, { id: 'in', kind: 'flatten', inputs: ['in'] }], 'in'),
      /two nodes are named 'in'/,
      'duplicate_id',
    ],
    [
      'two inputs',
      base([input, { ...input, id: 'in2' }, { id: 'out', kind: 'add', inputs: ['in', 'in2'] }]),
      /exactly one input/,
      'no_input',
    ],
  ];
  for (const [name, raw, pattern, code] of cases) {
    test(name, () => {
      const e = errorOf(() => parseGraph(raw));
      assert.match(e.message, pattern);
      assert.equal(e.code, code);
    });
  }

  test('bad JSON names the source', () => {
    assert.match(
      errorOf(() => parseGraphJson('{"nodes": [', 'my.json')).message,
      /my\.json is not valid JSON/,
    );
  });

  test('weights with a wrong shape name the key', () => {
    const g = builtin('lenet');
    const w = initWeights(g, new Rng(0));
    w.set('fc1/bias', { shape: [3], data: new Float32Array(3) });
    assert.match(
      errorOf(() => checkWeights(g, w)).message,
      /weight 'fc1\/bias' has shape \[3\], the graph needs \[120\]/,
    );
  });
});

describe('rng', () => {
  test('same seed, same stream; state restores the position', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    assert.deepEqual([a.next(), a.next(), a.normal()], [b.next(), b.next(), b.normal()]);
    const s = a.state();
    const x = a.u32();
    assert.equal(Rng.fromState(s).u32(), x);
    assert.notEqual(new Rng(8).u32(), new Rng(7).u32());
  });

  test('normal draws have mean ~0 and std ~1', () => {
    const r = new Rng(3);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(sd - 1) < 0.03, `mean ${mean} sd ${sd}`);
  });
});
