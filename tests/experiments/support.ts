/**
 * What the driver tests share: a temporary output folder and results file, the flags that
 * shrink a driver to seconds on a synthetic dataset, and the checks every summary must pass.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverResult, Summary, SUMMARY_FORMAT } from '../../experiments/lib';
import { loadGraphAddon } from '../../src/engine/native';
import { skipWhen } from '../support/skip';

/** A driver test that trains on the graph engine skips, with the addon's reason, where it is not built. */
export function needsGraphEngine(): string | false {
  const { addon, why } = loadGraphAddon();
  return skipWhen('no-graph-engine', addon ? null : why);
}

export const TINY_DATA = [
  '--set',
  'dataset=synthetic:12x12x1:256:4c',
  '--set',
  'limit=1',
  '--set',
  'validation=0.1',
];

/** A temporary folder for one test's output and results file, removed when the test ends. */
export async function tempPlace(prefix: string, t: TestContext): Promise<{ out: string; results: string }> {
  const dir = await mkdtemp(join(tmpdir(), `netgrow-exp-${prefix}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { out: join(dir, 'out'), results: join(dir, 'RESULTS.md') };
}

/** The summary on disk equals the one returned, has every group's figures and a report and table. */
export function checkSummary(
  r: DriverResult,
  results: string,
  groups: readonly string[],
  seeds: number,
): Summary {
  const onDisk = JSON.parse(readFileSync(r.summaryFile, 'utf8')) as Summary;
  assert.equal(onDisk.format, SUMMARY_FORMAT);
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(r.summary)));
  assert.equal(onDisk.seeds, seeds);
  for (const g of groups) {
    const f = onDisk.groups.find((x) => x.group === g);
    assert.ok(f, `figures for ${g}`);
    for (const [metric, values] of Object.entries(f.values)) {
      assert.equal(values.length, seeds, `${g} ${metric}: one value per seed`);
      assert.ok(values.every(Number.isFinite), `${g} ${metric}: ${values}`);
      assert.equal(f.spread[metric].n, seeds);
    }
  }
  for (const run of onDisk.runs) {
    assert.equal(run.status, 'completed', run.runId);
    assert.equal(run.curve.length, run.epochs, `${run.runId}: one curve point per epoch`);
  }
  assert.ok(existsSync(r.reportFile));
  const html = readFileSync(r.reportFile, 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<svg/, 'curves drawn');
  const md = readFileSync(results, 'utf8');
  assert.ok(md.includes(`<!-- experiment:${onDisk.experiment} -->`), 'the section is in the results file');
  assert.ok(md.includes(onDisk.command), 'the section names its command');
  return onDisk;
}
