import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'netgrow-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function netgrow(...args: string[]) {
  const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'netgrow.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NETGROW_BACKEND: 'cpu' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

function file(name: string, body: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
}

const node = (id: string, kind: string, inputs: string[], extra: object = {}) => ({
  id,
  kind,
  inputs,
  ...extra,
});

/** One line on stderr, no stack trace, the expected exit code and words. */
function expectUserError(r: ReturnType<typeof netgrow>, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.match(r.stderr, pattern);
}

describe('bad input is one clear line, never a stack trace', () => {
  test('unknown command lists the commands', () => {
    expectUserError(netgrow('grwo'), 2, /unknown command 'grwo'; commands are .*morph/);
  });

  test('no command: one line on stderr, the usage on stdout, exit 2', () => {
    const r = netgrow();
    expectUserError(r, 2, /^netgrow: no command given: netgrow <command> \[options\]; netgrow --help lists/);
    assert.equal(r.stderr.split('\n').length, 1);
    assert.match(r.stdout, /^usage: netgrow <command>/m);
    assert.match(r.stdout, /^ {2}search {2,}/m);
  });

  test('an IR with a cycle names the nodes', () => {
    const g = file('cycle.json', {
      nodes: [
        node('in', 'input', [], { shape: [8, 8, 1] }),
        node('a', 'add', ['in', 'b']),
        node('b', 'activation', ['a'], { fn: 'relu' }),
        node('out', 'globalavgpool', ['b']),
      ],
      output: 'out',
    });
    expectUserError(netgrow('morph', '--arch', g, '--ops', 'insert @b bn'), 2, /cycle.*'a'.*'b'/);
  });

  test('an IR with an unknown field names the node and the field', () => {
    const g = file('typo.json', {
      nodes: [
        node('in', 'input', [], { shape: [8, 8, 1] }),
        node('c', 'conv2d', ['in'], { filters: 2, kernel: 3, strides: 1 }),
      ],
      output: 'c',
    });
    expectUserError(
      netgrow('morph', '--arch', g, '--ops', 'deeper conv1'),
      2,
      /conv2d 'c': unknown field\(s\) `strides`/,
    );
  });

  test('a dangling input and a shape mismatch name the node', () => {
    const dangling = file('dangling.json', {
      nodes: [node('in', 'input', [], { shape: [4] }), node('fc', 'dense', ['nope'], { units: 2 })],
      output: 'fc',
    });
    expectUserError(
      netgrow('morph', '--arch', dangling, '--ops', 'deeper fc1'),
      2,
      /dense 'fc' reads 'nope'/,
    );
    const mismatch = file('mismatch.json', {
      nodes: [node('in', 'input', [], { shape: [8, 8, 1] }), node('fc', 'dense', ['in'], { units: 2 })],
      output: 'fc',
    });
    expectUserError(
      netgrow('morph', '--arch', mismatch, '--ops', 'deeper fc1'),
      2,
      /dense 'fc' expects a vector/,
    );
  });

  test('malformed JSON names the file', () => {
    expectUserError(
      netgrow('morph', '--arch', file('broken.json', '{"nodes": ['), '--ops', 'deeper conv1'),
      2,
      /broken\.json is not valid JSON/,
    );
  });

  test('bad flags say what to do', () => {
    expectUserError(netgrow('bench', 'train', '--batch', 'zero'), 2, /--batch must be an integer/);
    expectUserError(netgrow('datasets', '--bogus'), 2, /--bogus|Unknown option/);
  });
});
