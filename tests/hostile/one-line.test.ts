/**
 * The error printer's sanitizer: whatever a message quotes, it prints as one bounded line
 * (several problems: one bounded line each), with control characters visible, not obeyed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeError, MAX_LINE, oneLine } from '../../src/cli/errors';
import { UsageError } from '../../src/contracts/errors';
import { ConfigError } from '../../src/search/config-errors';

test('control characters are escaped, not obeyed', () => {
  assert.equal(oneLine('a\nnetgrow: ok'), 'a\\nnetgrow: ok');
  assert.equal(oneLine('\u001b[2J\r\t\0'), '\\u001b[2J\\r\\t\\0');
  assert.equal(oneLine('x\u2028y\u202ez\u0085'), 'x\\u2028y\\u202ez\\u0085');
  assert.equal(oneLine('plain — ünïcode ✓'), 'plain — ünïcode ✓');
});

test('a long message is cut, with what was left out counted', () => {
  const line = oneLine('y'.repeat(200_000));
  assert.equal(line, `${'y'.repeat(MAX_LINE)}… (${200_000 - MAX_LINE} more characters)`);
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
