import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtin, Graph, GraphNode, parseGraph } from '../../src/graph';
import { architectureBoxes, describeNode, diffGraphs, drawArchitecture } from '../../src/report/architecture';
import { addSkip, deeper, widen } from './fixture';
import { allElements, parseXml, textContent } from './xml';

const layerGroups = (svg: string) =>
  allElements(parseXml(svg)).filter((e) => e.attrs.class?.startsWith('layer '));

describe('architecture drawings', () => {
  test('every node kind has a one-line description', () => {
    const cases: Array<[GraphNode, string]> = [
      [
        {
          id: 'c',
          kind: 'conv2d',
          inputs: ['x'],
          filters: 32,
          kernel: 3,
          stride: 2,
          padding: 'valid',
          bias: true,
        },
        'conv2d 32 3×3 /2 valid',
      ],
      [
        {
          id: 'c',
          kind: 'conv2d',
          inputs: ['x'],
          filters: 64,
          kernel: 5,
          stride: 1,
          padding: 'same',
          bias: true,
        },
        'conv2d 64 5×5',
      ],
      [{ id: 'd', kind: 'dense', inputs: ['x'], units: 10, bias: true }, 'dense 10'],
      [{ id: 'a', kind: 'activation', inputs: ['x'], fn: 'prelu' }, 'prelu'],
      [
        { id: 'p', kind: 'maxpool2d', inputs: ['x'], pool: 3, stride: 1, padding: 'same' },
        'max pool 3×3 /1 same',
      ],
      [{ id: 'p', kind: 'avgpool2d', inputs: ['x'], pool: 2, padding: 'valid' }, 'avg pool 2×2'],
      [{ id: 'g', kind: 'globalmaxpool', inputs: ['x'] }, 'global max pool'],
      [{ id: 's', kind: 'slice', inputs: ['x'], begin: 32, size: 32 }, 'slice channels 32–63'],
      [{ id: 'o', kind: 'dropout', inputs: ['x'], rate: 0.25 }, 'dropout 0.25'],
      [{ id: 'b', kind: 'batchnorm', inputs: ['x'], epsilon: 1e-3, momentum: 0.99 }, 'batch norm'],
      [{ id: 'k', kind: 'concat', inputs: ['x', 'y'] }, 'concat'],
    ];
    for (const [node, want] of cases) assert.equal(describeNode(node), want);
  });

  test('a diff by stable id: deeper adds nodes, wider changes one, nothing is removed', () => {
    const seed = builtin('seed-teacher');
    const grown = widen(deeper(seed, 'conv2.act', 'conv2_deep1', 'conv2d', 64), 'fc1', 128);
    assert.deepEqual(diffGraphs(grown, seed), {
      added: ['conv2_deep1', 'conv2_deep1.act'],
      changed: ['fc1'],
      removed: [],
    });
    assert.deepEqual(diffGraphs(seed, seed), { added: [], changed: [], removed: [] });
    assert.deepEqual(diffGraphs(seed, grown).removed, ['conv2_deep1', 'conv2_deep1.act']);
  });

  test('boxes fold an activation into the single layer it follows, keep positional names and params', () => {
    const seed = builtin('seed-teacher');
    const grown = deeper(seed, 'conv2.act', 'conv2_deep1', 'conv2d', 64);
    const boxes = architectureBoxes(grown, seed);
    assert.deepEqual(
      boxes.map((b) => b.id),
      ['input', 'conv1', 'pool1', 'conv2', 'conv2_deep1', 'pool2', 'flatten', 'fc1', 'fc2'],
    );
    const deep = boxes.find((b) => b.id === 'conv2_deep1')!;
    assert.deepEqual(deep.members, ['conv2_deep1', 'conv2_deep1.act']);
    assert.equal(deep.title, 'conv2d 64 3×3 + relu');
    assert.equal(deep.name, 'conv2_deep1 · conv3');
    assert.equal(deep.params, 3 * 3 * 64 * 64 + 64);
    assert.equal(deep.change, 'new');
    assert.deepEqual(boxes.find((b) => b.id === 'pool2')!.inputs, ['conv2_deep1']);
    assert.equal(boxes.find((b) => b.id === 'fc2')!.title, 'dense 10 + softmax');
    assert.equal(boxes.find((b) => b.id === 'input')!.name, '', 'no id line that repeats the title');
    assert.equal(boxes.filter((b) => b.change !== 'same').length, 1);
  });

  test('an activation read by two layers, or following a merge, keeps its own box', () => {
    const seed = builtin('seed-teacher');
    const skip = addSkip(seed, 'pool1', 'conv2.act', 'skip1');
    const ids = architectureBoxes(skip).map((b) => b.id);
    assert.ok(ids.includes('skip1'));
    const g: Graph = parseGraph({
      name: 'twice',
      nodes: [
        { id: 'in', kind: 'input', shape: [8] },
        { id: 'fc', kind: 'dense', inputs: ['in'], units: 4 },
        { id: 'r1', kind: 'activation', inputs: ['fc'], fn: 'relu' },
        { id: 'r2', kind: 'activation', inputs: ['fc'], fn: 'tanh' },
        { id: 'sum', kind: 'add', inputs: ['r1', 'r2'] },
      ],
      output: 'sum',
    });
    assert.deepEqual(
      architectureBoxes(g).map((b) => b.id),
      ['in', 'fc', 'r1', 'r2', 'sum'],
    );
  });

  test('the drawing is well-formed SVG with one box per layer, new and changed ones marked', () => {
    const seed = builtin('seed-teacher');
    const child = addSkip(seed, 'pool1', 'conv2.act', 'skip1');
    const wider = widen(child, 'fc1', 256);
    const svg = drawArchitecture(wider, { parent: child, idPrefix: 't' }).text;
    const groups = layerGroups(svg);
    assert.equal(groups.length, architectureBoxes(wider).length);
    const changed = groups.filter((g) => g.attrs.class === 'layer changed');
    assert.equal(changed.length, 1);
    assert.match(textContent(changed[0]), /dense 256 \+ relu/);
    const fromSeed = layerGroups(drawArchitecture(child, { parent: seed, idPrefix: 't' }).text);
    assert.deepEqual(
      fromSeed.filter((g) => g.attrs.class === 'layer new').map((g) => textContent(g).split('\n')[1]),
      ['id skip1'],
    );
  });

  test('a deep builtin (vgg16) is well-formed and drawn as a tall column', () => {
    const svg = drawArchitecture(builtin('vgg16'), { idPrefix: 'v' }).text;
    const root = parseXml(svg);
    assert.equal(layerGroups(svg).length, architectureBoxes(builtin('vgg16')).length);
    assert.ok(Number(root.attrs.height) > Number(root.attrs.width), 'a chain is drawn tall, not wide');
  });
});
