import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeaderboardEntry } from '../../src/contracts/search';
import { saturatedCandidates, withoutSaturated } from '../../src/search/saturation';
import type { GenerationPlan } from '../../src/search/generation';

const entry = (candidateId: string, parentId: string | null, over: Partial<LeaderboardEntry> = {}) =>
  ({
    candidateId,
    parentId,
    generation: Number(candidateId[1]),
    status: 'completed',
    valAcc: 0.8,
    params: 1,
    checkpoint: null,
    ops: ['wider conv1 x2'],
    ...over,
  }) as LeaderboardEntry;

// g1-c0 grew from g0-c0; g1-c1 is g0-c0's continue control; g2-c0 found no feasible mutation
// of g1-c0; g2-c1 is g1-c0's continue control, so the same architecture; g2-c2 grew from g1-c1.
const board = [
  entry('g0-c0', null, { ops: [] }),
  entry('g1-c0', 'g0-c0'),
  entry('g1-c1', 'g0-c0', { ops: [], control: 'continue' }),
  entry('g2-c0', 'g1-c0', { status: 'failed', noFeasibleMutation: true, ops: [] }),
  entry('g2-c1', 'g1-c0', { ops: [], control: 'continue' }),
  entry('g3-c0', 'g2-c1', { ops: [], control: 'continue' }),
  entry('g2-c2', 'g1-c1'),
];

describe('saturation: parents with no feasible growth', () => {
  test("the failed child's parent and every unchanged descendant of it, nothing else", () => {
    assert.deepEqual([...saturatedCandidates(board)].sort(), ['g1-c0', 'g2-c1', 'g3-c0']);
    assert.deepEqual([...saturatedCandidates(board.filter((e) => e.candidateId !== 'g2-c0'))], []);
  });

  test('a failure of another kind saturates nothing', () => {
    const other = board.map((e) => (e.candidateId === 'g2-c0' ? { ...e, noFeasibleMutation: undefined } : e));
    assert.equal(saturatedCandidates(other).size, 0);
  });

  test("the plan keeps the controls and the other parents' children, and names the parents left out", () => {
    const plan: GenerationPlan = {
      children: [
        { parentId: 'g3-c0', childId: 'g4-c0', seed: 1, mutations: 1 },
        { parentId: 'g2-c2', childId: 'g4-c1', seed: 2, mutations: 1 },
        { parentId: 'g3-c0', childId: 'g4-c2', seed: 3, ops: [], control: 'continue' },
      ],
      selection: null,
    };
    const pruned = withoutSaturated(plan, board);
    assert.deepEqual(
      pruned.children.map((c) => c.childId),
      ['g4-c1', 'g4-c2'],
    );
    assert.deepEqual(pruned.noGrowth, ['g3-c0']);
    assert.equal(pruned.end, undefined);
  });

  test('a plan with nothing left ends the search; an unaffected plan is returned as it is', () => {
    const plan: GenerationPlan = {
      children: [{ parentId: 'g2-c1', childId: 'g4-c0', seed: 1, mutations: 1 }],
      selection: { from: ['g2-c1'], selected: ['g2-c1'] },
    };
    const ended = withoutSaturated(plan, board);
    assert.equal(ended.end, 'no-feasible-growth');
    assert.deepEqual(ended.children, []);
    assert.deepEqual(ended.noGrowth, ['g2-c1']);
    const fine: GenerationPlan = { ...plan, children: [{ ...plan.children[0], parentId: 'g2-c2' }] };
    assert.equal(withoutSaturated(fine, board), fine);
  });
});
