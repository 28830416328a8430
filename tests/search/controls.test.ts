import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/graph/rng';
import { withContinueControls } from '../../src/search/controls';
import type { GenerationPlan } from '../../src/search/generation';

const plan: GenerationPlan = {
  children: [
    { parentId: 'g1-c0', childId: 'g2-c0', seed: 1, mutations: 1 },
    { parentId: 'g1-c3', childId: 'g2-c1', seed: 2, mutations: 1 },
    { parentId: 'g1-c0', childId: 'g2-c2', seed: 3, mutations: 1 },
  ],
  selection: { from: ['g1-c0', 'g1-c3'], selected: ['g1-c0', 'g1-c3'] },
};

test('a continue child per distinct parent, after the grown children, no command, seeded from the rng', () => {
  const out = withContinueControls(plan, 2, new Rng('s'), Infinity);
  assert.deepEqual(out.children.slice(0, 3), plan.children);
  assert.deepEqual(
    out.children.slice(3).map((c) => [c.parentId, c.childId, c.ops, c.control]),
    [
      ['g1-c0', 'g2-c3', [], 'continue'],
      ['g1-c3', 'g2-c4', [], 'continue'],
    ],
  );
  const again = withContinueControls(plan, 2, new Rng('s'), Infinity);
  assert.deepEqual(again, out, 'deterministic: the workflow replays to the same plan');
  assert.deepEqual(out.selection, plan.selection);
});

test('the budget bounds the controls; generation 0 and an ended plan get none', () => {
  assert.equal(withContinueControls(plan, 2, new Rng('s'), 1).children.length, 4);
  assert.equal(withContinueControls(plan, 2, new Rng('s'), 0).children.length, 3);
  const start: GenerationPlan = {
    children: [{ parentId: null, childId: 'g0-c0', seed: 1, ops: [] }],
    selection: null,
  };
  assert.deepEqual(withContinueControls(start, 0, new Rng('s'), 5), start);
  const ended: GenerationPlan = { children: [], selection: null, end: 'generations' };
  assert.deepEqual(withContinueControls(ended, 3, new Rng('s'), 5), ended);
});
