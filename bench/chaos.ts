/**
 * The long chaos run (docs/RELIABILITY.md): a GA search of 1 + population × generations
 * candidates (default 1 + 8 × 5 = 41) on the real Temporal dev server and SeaweedFS, with
 * the process executor, through `--faults` faults (default 24: each kind four times) from a
 * seeded schedule; then the checks of tests/chaos/verify.ts. Prints the figures (or --json)
 * and exits 1 when a check failed.
 *
 *   npx tsx bench/chaos.ts [--seed 7] [--population 8] [--generations 5] [--faults 24] [--kinds kill-s3,...] [--json] [--keep]
 */
import { loadavg } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { quietRuntime } from '../tests/support/temporal';
import { runChaos, type FaultKind } from '../tests/chaos/harness';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '7' },
      population: { type: 'string', default: '8' },
      generations: { type: 'string', default: '5' },
      faults: { type: 'string', default: '24' },
      kinds: { type: 'string' },
      'gap-min': { type: 'string', default: '3000' },
      'gap-max': { type: 'string', default: '9000' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  quietRuntime();
  const dir = await mkdtemp(join(tmpdir(), 'netgrow-chaos-bench-'));
  const loadBefore = loadavg();
  const started = new Date().toISOString();
  try {
    const report = await runChaos({
      dir,
      seed: Number(values.seed),
      population: Number(values.population),
      generations: Number(values.generations),
      faults: Number(values.faults),
      kinds: values.kinds ? (values.kinds.split(',') as FaultKind[]) : undefined,
      gapMs: [Number(values['gap-min']), Number(values['gap-max'])],
      outageMs: 30_000,
      writeFailureMs: 10_000,
      log: values.json ? undefined : (line) => console.log(line),
    });
    const byKind: Record<string, number> = {};
    for (const f of report.faults) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    const figures = {
      started,
      seed: report.seed,
      candidates: report.expectedCandidates,
      faultsInjected: report.faults.length,
      byKind,
      lost: report.verdict.lost,
      duplicated: report.verdict.duplicated,
      checkpointsVerified: report.verdict.checkpointsVerified,
      trainRetries: report.verdict.trainRetries,
      epochsRetrained: report.verdict.epochsRetrained,
      workerExits: report.workerExits,
      wallSeconds: Math.round(report.wallSeconds),
      load1mBefore: loadBefore[0],
      load1mAfter: loadavg()[0],
      failures: report.verdict.failures,
      faults: report.faults,
    };
    console.log(values.json ? JSON.stringify(figures) : JSON.stringify(figures, null, 2));
    if (report.verdict.failures.length > 0) process.exitCode = 1;
  } finally {
    if (!values.keep) await rm(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
