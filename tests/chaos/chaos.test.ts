/**
 * The chaos harness's short schedule, for CI: a small GA search with one fault of each kind
 * scheduled (SIGKILL of the worker, a trainer, the Temporal server and the S3 server; S3
 * unreachable; uploads failing) — the search may end before the last ones land, so the test
 * asks for at least 4 — and nothing lost or done twice. The long run is
 * `npx tsx bench/chaos.ts` (docs/RELIABILITY.md).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { quietRuntime } from '../support/temporal';
import { FAULT_KINDS, runChaos } from './harness';
import { shortHeartbeats } from '../support/short-heartbeats';

// A killed worker's or trainer's attempt is retried once its heartbeat times out: 20 s here,
// not production's minute.
shortHeartbeats();
let dir: string;
before(async () => {
  quietRuntime();
  dir = await mkdtemp(join(tmpdir(), 'netgrow-chaos-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a search under a schedule of one fault of each of 6 kinds, at least 4 of them landing, loses and duplicates nothing', async (t) => {
  const report = await runChaos({
    dir,
    seed: Number(process.env.NETGROW_CHAOS_SEED ?? 1),
    population: 3,
    generations: 3,
    faults: FAULT_KINDS.length,
    gapMs: [2000, 5000],
    outageMs: 8000,
    writeFailureMs: 5000,
    log: (line) => t.diagnostic(line),
  });
  t.diagnostic(JSON.stringify({ ...report, faults: report.faults.length }));
  assert.deepEqual(report.verdict.failures, []);
  assert.equal(report.verdict.lost, 0);
  assert.equal(report.verdict.duplicated, 0);
  assert.equal(report.verdict.candidates, report.expectedCandidates);
  assert.ok(report.verdict.checkpointsVerified >= report.expectedCandidates);
  // The schedule must actually have hit the search, not only waited for it to end.
  assert.ok(report.faults.length >= 4, `only ${report.faults.length} faults landed before the search ended`);
});
