/**
 * The error printer's sanitizer: whatever a message quotes, it prints as one bounded line
 * (several problems: one bounded line each), with control characters visible, not obeyed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeError, KEPT_TAIL, MAX_LINE, MAX_PROBLEMS, oneLine, printable } from '../../src/cli/errors';
import { UsageError } from '../../src/contracts/errors';
import { ConfigError } from '../../src/search/config-errors';

test('control characters are escaped, not obeyed', () => {
  assert.equal(oneLine('a\nnetgrow: ok'), 'a\\nnetgrow: ok');
  assert.equal(oneLine('\u001b[2J\r\t\0'), '\\u001b[2J\\r\\t\\0');
  assert.equal(oneLine('x\u2028y\u202ez\u0085'), 'x\\u2028y\\u202ez\\u0085');
  assert.equal(oneLine('plain — ünïcode ✓'), 'plain — ünïcode ✓');
});

test('a long message loses its middle, counted, and keeps the reason at its end', () => {
  const line = oneLine(`unknown command '${'y'.repeat(200_000)}'; commands are search, status`);
  const left = 200_000 + 47 - MAX_LINE;
  assert.match(
    line,
    new RegExp(`^unknown command 'y+… \\(${left} characters left out\\) …y+'; commands are search, status$`),
  );
  assert.equal(line.length - `… (${left} characters left out) …`.length, MAX_LINE);
  assert.equal(line.slice(-KEPT_TAIL), `${'y'.repeat(KEPT_TAIL - 30)}'; commands are search, status`);
});

test('an error is one line; a list of problems is one line per problem', () => {
  assert.equal(describeError(new UsageError("unknown command 'x\ny'")).line, "unknown command 'x\\ny'");
  const several = describeError(new ConfigError('c.yaml', ['name: bad "a\nb"', `seed: ${'9'.repeat(900)}`]));
  const lines = several.line.split('\n');
  assert.equal(several.code, 2);
  assert.equal(lines.length, 3);
  assert.equal(lines[1], '  name: bad "a\\nb"');
  assert.ok(lines[2].length < MAX_LINE + 40);
  assert.match(describeError(new ConfigError('c.yaml', ['only: one'])).line, /^c\.yaml: only: one$/);
  // Not a NetgrowError: a bug, said so, still one line.
  assert.match(describeError(new TypeError('a\nb')).line, /^internal error: a\\nb \(set NETGROW_DEBUG=1/);
});

test('a config with thousands of problems prints the first few and counts the rest', () => {
  const problems = Array.from({ length: 2000 }, (_, i) => `k${i}: unknown field`);
  const lines = describeError(new ConfigError('c.yaml', problems)).line.split('\n');
  assert.equal(lines.length, 1 + MAX_PROBLEMS + 1);
  assert.equal(lines[MAX_PROBLEMS], `  k${MAX_PROBLEMS - 1}: unknown field`);
  assert.equal(lines.at(-1), `  … and ${2000 - MAX_PROBLEMS} more`);
});

test("output lines that quote a run's failure keep their line breaks, and nothing else of it acts", () => {
  const failed = `search failed: bad command '\u001b[2Jwider ${'x'.repeat(1000)}'\u2028forged`;
  const out = printable(`${failed}\n  netgrow report e1`);
  const [first, second] = out.split('\n');
  assert.match(
    first,
    /^search failed: bad command '\\u001b\[2Jwider x+… \(\d+ characters left out\) …x+'\\u2028forged$/,
  );
  assert.equal(second, '  netgrow report e1');
});
