import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UsageError } from '../../src/contracts/errors';
import { describeError } from '../../src/cli/errors';
import { describeReportOutcome, renderExperimentReport } from '../../src/cli/report-render';
import { openStore } from '../../src/storage';
import { writeFixture } from './fixture';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-report-cli-'));
  await writeFixture(openStore(`file://${dir}`), 'experiments/e7');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('netgrow report <id>', () => {
  test('writes the report beside the experiment and says where it is, notes included', async () => {
    const out = await renderExperimentReport({ storage: `file://${dir}`, experimentId: 'e7' });
    assert.equal(out.path, join(dir, 'experiments/e7/report/index.html'));
    assert.ok(existsSync(out.path!));
    assert.match(await readFile(out.path!, 'utf8'), /^<!DOCTYPE html>/);
    assert.equal(out.uri, `file://${dir}/experiments/e7/report/index.html`);
    assert.equal(out.notes.length, 3);
    const text = describeReportOutcome(out);
    assert.match(text, new RegExp(`^report: ${out.path}\n3 note\\(s\\) on the page`));
    // A plain folder path works as the storage too.
    const plain = await renderExperimentReport({ storage: dir, experimentId: 'e7', curves: 2 });
    assert.equal(plain.path, out.path);
  });

  test('a missing experiment or a malformed id is one line and exit code 2', async () => {
    for (const experimentId of ['nope', '../e7', '']) {
      await assert.rejects(
        renderExperimentReport({ storage: `file://${dir}`, experimentId }),
        (e: unknown) => {
          assert.ok(e instanceof UsageError, String(e));
          const { line, code } = describeError(e);
          assert.equal(code, 2);
          assert.doesNotMatch(line, /\n/);
          assert.match(
            line,
            experimentId === 'nope'
              ? /no experiment at .*experiments\/nope/
              : /experiment id '.*' is invalid/,
          );
          return true;
        },
      );
    }
  });
});
