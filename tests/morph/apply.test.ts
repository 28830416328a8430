import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countParams, positionalNames, Rng } from '../../src/graph';
import { applyCommands, MorphError, planCommands } from '../../src/morph';
import { assertPreserved, builtinNet } from './support/check';

describe('applying a sequence', () => {
  const net = builtinNet('seed-teacher', { inputShape: [8, 8, 1], numClasses: 3 });

  test('positional names refer to the network as each command finds it', () => {
    const r = applyCommands(net.graph, net.weights, 'deeper conv2; deeper conv3; wider conv4 x2', new Rng(1));
    const names = positionalNames(r.graph);
    assert.equal(names.get('conv2_deep1'), 'conv3');
    assert.equal(names.get('conv2_deep2'), 'conv4');
    const widened = r.graph.nodes.find((n) => n.id === 'conv2_deep2');
    assert.ok(widened?.kind === 'conv2d' && widened.filters === 128);
    assert.deepEqual(
      r.steps.map((s) => s.command),
      ['deeper conv2', 'deeper conv3', 'wider conv4 x2'],
    );
    assert.equal(r.steps[0].paramsBefore, countParams(net.graph));
    assert.equal(r.steps[2].paramsAfter, countParams(r.graph));
    assert.ok(r.preserving);
    assertPreserved(net, r);
  });

  test('text, lists of texts and JSON objects are the same plan; the same seed gives the same child', () => {
    const a = applyCommands(net.graph, net.weights, 'wider conv1 x2; deeper fc1', new Rng(4));
    const b = applyCommands(
      net.graph,
      net.weights,
      ['wider conv1 x2', { op: 'deeper', node: 'fc1' }],
      new Rng(4),
    );
    assert.deepEqual(a.graph, b.graph);
    assert.deepEqual(a.weights, b.weights);
  });

  test('onStep sees every intermediate network; one non-preserving step marks the plan', () => {
    const seen: string[] = [];
    const r = applyCommands(net.graph, net.weights, 'deeper conv1; insert conv1 maxpool', new Rng(1), {
      onStep: (step, g) => seen.push(`${step.command}:${g.nodes.length}`),
    });
    assert.deepEqual(seen, [
      `deeper conv1:${net.graph.nodes.length + 2}`,
      `insert conv1 maxpool:${net.graph.nodes.length + 3}`,
    ]);
    assert.equal(r.preserving, false);
    assert.deepEqual(
      r.steps.map((s) => s.preserving),
      [true, false],
    );
  });

  test('a refusal names the command and its position; nothing is returned half-done', () => {
    assert.throws(
      () => applyCommands(net.graph, net.weights, 'deeper conv2; deeper fc3', new Rng(1)),
      (e: unknown) =>
        e instanceof MorphError &&
        e.code === 'unknown_node' &&
        e.message ===
          "command 2 of 2, `deeper fc3`: no layer 'fc3': the network has 2 dense layer(s) (fc1..fc2)",
    );
  });

  test('planCommands checks a plan on the architecture alone', () => {
    const { graph, steps } = planCommands(net.graph, 'deeper conv2; wider conv3 x2', new Rng(1));
    assert.equal(steps.length, 2);
    assert.equal(positionalNames(graph).get('conv2_deep1'), 'conv3');
  });
});
