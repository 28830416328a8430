import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { run } from '../../src/cli/morph';
import { builtin, graphToJson } from '../../src/graph';
import { readCheckpoint } from '../../src/model';
import { FileStore } from '../../src/storage';

const dir = mkdtempSync(join(tmpdir(), 'netgrow-morph-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `netgrow morph` in-process and captures what it prints. */
async function morph(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    const code = await run(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const small = [
  '--arch',
  'seed-teacher',
  '--input',
  '8x8x1',
  '--classes',
  '3',
  '--backend',
  'cpu',
  '--samples',
  '3',
];

describe('netgrow morph', () => {
  test('--json: a deeper that adds a linear layer says so in its step (seed-ga conv2, cnn-bn conv1)', async () => {
    const opts = ['--input', '8x8x1', '--classes', '3', '--backend', 'cpu', '--samples', '3', '--json'];
    const linear = async (arch: string, ops: string) => {
      const r = await morph('--arch', arch, ...opts, '--ops', ops, '--check');
      assert.equal(r.code, 0, r.err);
      const o = JSON.parse(r.out) as {
        preserving: boolean;
        steps: Array<{ linearLayer: boolean; description: string }>;
      };
      assert.equal(o.preserving, true);
      return o.steps.map((s) => s.linearLayer);
    };
    assert.deepEqual(await linear('seed-ga', 'deeper conv2; deeper conv1'), [true, false]);
    assert.deepEqual(await linear('cnn-bn', 'deeper conv1; deeper fc1'), [false, false]);
    assert.deepEqual(await linear('seed-ga-bn', 'deeper conv2'), [true]);
  });

  test('--check --json: one JSON object, per-step and end-to-end measurements, exit 0', async () => {
    const r = await morph(
      ...small,
      '--ops',
      'deeper conv2; wider conv3 x2; skip conv1 conv2',
      '--check',
      '--json',
    );
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out) as Record<string, unknown> & { steps: Array<Record<string, unknown>> };
    assert.deepEqual(o.ops, ['deeper conv2', 'wider conv3 x2', 'skip conv1 conv2']);
    assert.equal(o.preserving, true);
    assert.ok((o.relDiff as number) <= 1e-4 && typeof o.maxAbsDiff === 'number');
    assert.ok(o.steps.every((s) => s.ok === true && typeof s.relDiff === 'number'));
    const params = o.params as { before: number; after: number };
    assert.ok(params.after > params.before);
    assert.match(r.err, /backend: cpu/);
  });

  test('a non-preserving command is reported, not failed', async () => {
    const r = await morph(...small, '--ops', 'deeper conv2 pool=max', '--check', '--json');
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out) as {
      preserving: boolean;
      relDiff: number;
      steps: Array<{ preserving: boolean }>;
    };
    assert.equal(o.steps[0].preserving, false);
    assert.equal(o.preserving, false);
    assert.ok(o.relDiff > 1e-4);
  });

  test('human output: one line per command, the backend, the summary', async () => {
    const r = await morph(...small, '--ops', 'group conv1 2', '--check');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^backend: cpu$/m);
    assert.match(
      r.out,
      /^1\. group conv1 2: grouped block 'conv1_grp1' after conv1: 2 identity 3x3 towers of 32\+32 filters$/m,
    );
    assert.match(r.out, /function preserved$/m);
  });

  test('refused and malformed commands: exit 2, the reason on stderr, nothing on stdout', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'deeper conv2; deeper fc2',
        /^netgrow morph: command 2 of 2, `deeper fc2`: fc2 is the output head; a layer after it would change what the network outputs/,
      ],
      ['deeper conv2; widen fc1', /^netgrow morph: `widen fc1`: unknown operation 'widen'/],
      [
        'wider conv1 x2 noise=lots',
        /^netgrow morph: `wider conv1 x2 noise=lots`: noise must be a number, received 'lots'$/,
      ],
    ];
    for (const [ops, pattern] of cases) {
      const r = await morph(...small, '--ops', ops, '--json');
      assert.equal(r.code, 2, ops);
      assert.equal(r.out, '');
      assert.match(r.err, pattern);
    }
  });

  test('bad options: exit 2 with a one-line reason', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--ops', 'deeper conv1'], /--arch <builtin\|path> is required/],
      [['--arch', 'seed-teacher'], /--ops "<cmd>; <cmd>" is required/],
      [
        ['--arch', 'nope', '--ops', 'deeper conv1'],
        /--arch 'nope' is neither a builtin \(seed-teacher, .*\) nor an existing graph.json or checkpoint folder/,
      ],
      [
        ['--arch', 'mlp', '--ops', 'deeper fc1', '--seed', 'abc'],
        /--seed must be an integer ≥ 0, received 'abc'/,
      ],
      [
        ['--arch', 'mlp', '--ops', 'deeper fc1', '--seed', '-1'],
        /^netgrow morph: Option '--seed' argument is ambiguous; see netgrow morph --help$/,
      ],
      [
        ['--arch', 'mlp', '--ops', 'deeper fc1', '--input', '28x28'],
        /--input is HxWxC \(28x28x1\) or D \(784\), received '28x28'/,
      ],
      [
        ['--arch', 'mlp', '--ops', 'deeper fc1', '--backend', 'gpu'],
        /--backend is tensorflow, wasm or cpu, received 'gpu'/,
      ],
      [['--arch', 'mlp', '--ops', ' ; '], /--ops holds no command/],
      [['--arch', 'mlp', '--ops', 'deeper fc1', '--frobnicate'], /Unknown option '--frobnicate'/],
    ];
    for (const [args, pattern] of cases) {
      const r = await morph(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, pattern);
      assert.ok(!r.err.includes('\n'), r.err);
    }
  });

  test('--out writes a checkpoint that --arch reads back with its weights', async () => {
    const out = join(dir, 'child');
    const first = await morph(...small, '--ops', 'deeper fc1', '--out', out);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`child written to ${out}`));
    const saved = await readCheckpoint(new FileStore(out), '');
    assert.ok(saved.graph.nodes.some((n) => n.id === 'fc1_deep1'));
    assert.equal(saved.meta.operation, 'deeper fc1');
    const second = await morph(
      '--arch',
      out,
      '--ops',
      'wider fc2 x2',
      '--check',
      '--backend',
      'cpu',
      '--json',
    );
    assert.equal(second.code, 0, second.err);
    assert.equal((JSON.parse(second.out) as { preserving: boolean }).preserving, true);
  });

  test('a graph.json gets random weights', async () => {
    const file = join(dir, 'graph.json');
    writeFileSync(file, graphToJson(builtin('lenet', { inputShape: [12, 12, 1], numClasses: 3 })));
    const r = await morph(
      '--arch',
      file,
      '--ops',
      'kernel conv1 7; insert fc1 bn',
      '--check',
      '--backend',
      'cpu',
      '--json',
    );
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { preserving: boolean }).preserving, true);
  });
});
