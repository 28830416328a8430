/**
 * The end of scripts/test.sh: node's runner with scripts/test/events-reporter.mjs on a small
 * file of real tests, then scripts/test/summary.ts over what it wrote — the slowest files and
 * tests, the skips by reason code (a skipped describe counted too), the closing line, and CI
 * failing on a skip docs/TESTING.md does not allow.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { allowedSkips, readEvents, skipCode, summarize } from '../../scripts/test/summary';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'netgrow-summary-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `source` as a test file under the events reporter; its JSON lines' path. */
function runFile(source: string): string {
  const file = join(dir, 'planted.test.js');
  const events = join(dir, 'events.jsonl');
  writeFileSync(file, source);
  const r = spawnSync(
    process.execPath,
    [
      '--test',
      `--test-reporter=${join(root, 'scripts', 'test', 'events-reporter.mjs')}`,
      `--test-reporter-destination=${events}`,
      file,
    ],
    // Without the outer runner's context, which would route the results to it instead.
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
  );
  assert.equal(r.status, 0, r.stderr);
  return events;
}

const PLANTED = `
const { describe, test } = require('node:test');
describe('needs the backend', { skip: '[no-native] the tensorflow backend is not built: no binding' }, () => {
  test('a', () => {});
  test('b', () => {});
});
test('needs a browser', { skip: '[no-chromium] Chromium is not installed: no /usr/bin/chromium' }, () => {});
test('skips without a code', (t) => t.skip('just because'));
test('waits', () => new Promise((r) => setTimeout(r, 150)));
test('quick', () => {});
`;

test('skips are counted by reason code, a skipped describe as one, and CI fails on any not allowed', () => {
  const events = readEvents([runFile(PLANTED)]);
  const ci = summarize(events, { passed: 2, failed: 0 }, true, new Set(['no-chromium']));
  assert.equal(ci.fail, true);
  assert.equal(ci.lines.at(-1), 'tests: 2 passed, 0 failed, 3 skipped');
  const skipLines = ci.lines.filter((l) => l.startsWith('skipped ('));
  assert.deepEqual(
    skipLines.map((l) => l.split(':')[0]),
    ['skipped (no-native)', 'skipped (no-chromium)', 'skipped (uncoded)'],
  );
  assert.match(
    skipLines[1],
    /^skipped \(no-chromium\): 1 \(allowed\), e\.g\. .*planted\.test\.js: \[no-chromium\]/,
  );
  assert.deepEqual(
    ci.lines.filter((l) => l.startsWith('CI: ')),
    [
      "CI: 1 test(s) skipped for 'no-native', which docs/TESTING.md does not allow",
      "CI: 1 test(s) skipped for 'uncoded', which docs/TESTING.md does not allow",
    ],
  );
  // Outside CI the same skips are reported, and nothing fails.
  assert.equal(summarize(events, { passed: 2, failed: 0 }, false, new Set()).fail, false);
});

test('the slowest files and tests come first, each with its file', () => {
  const events = readEvents([runFile(PLANTED)]);
  const { lines } = summarize(events, { passed: 2, failed: 0 }, false, new Set());
  assert.equal(lines[0], '== slowest 1 files');
  assert.match(lines[1], /^ +\d+\.\d s {2}.*planted\.test\.js$/);
  const tests = lines.slice(lines.indexOf('== slowest 2 tests') + 1, lines.indexOf('== slowest 2 tests') + 3);
  assert.match(tests[0], /planted\.test\.js: waits$/);
  assert.match(tests[1], /planted\.test\.js: quick$/);
});

test('reason codes and the allow-list of docs/TESTING.md', () => {
  assert.equal(skipCode('[no-native] why'), 'no-native');
  assert.equal(skipCode('no code here'), 'uncoded');
  const doc =
    '# T\n\n## Skips allowed in CI\n\n- `no-gpu`: the CI machine has none\n\n## Next\n\n- `not-this`: x\n';
  assert.deepEqual([...allowedSkips(doc)], ['no-gpu']);
  // On the CI machine every feature is installed: the repository's list is empty.
  assert.deepEqual([...allowedSkips(readFileSync(join(root, 'docs', 'TESTING.md'), 'utf8'))], []);
  assert.throws(() => allowedSkips('# no such section\n'), /no "## Skips allowed in CI" section/);
});
