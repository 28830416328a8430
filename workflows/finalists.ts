/**
 * The test split, scored once per experiment for its finalists — the best few by validation
 * accuracy — after the search. Candidates are ranked and selected by validation accuracy only:
 * choosing by test accuracy would leak the test set into the result it is meant to check.
 */
import { ActivityFailure, isCancellation } from '@temporalio/workflow';
import type { LineageEventInput } from '../src/contracts/lineage';
import type { SearchConfig } from '../src/search/config';
import { isViable, ranked } from '../src/search/leaderboard';
import type { FinalistTest } from '../src/contracts/activities';
import type { Finalist, LeaderboardEntry } from '../src/contracts/search';
import { candidateSettings } from '../src/search/train-spec';
import type { LineageWriter } from './lineage-writer';
import { testFinalists } from './proxies';

/** patched() id: the workflow scores its finalists' test split once, at its end. */
export const FINALISTS_TESTED = 'finalists-tested-once';

/** How many of the best candidates get a test score. */
export const FINALISTS = 3;

export async function testFinalistsOnce(
  experimentUri: string,
  config: SearchConfig,
  leaderboard: readonly LeaderboardEntry[],
  lineage: LineageWriter,
  count = FINALISTS,
): Promise<Finalist[]> {
  return (await testFinalistsWith(experimentUri, config, leaderboard, lineage, [], count)).finalists;
}

/**
 * The same, with `extra` checkpoints scored in the same call (the scratch control: tested
 * once, with the finalists, never ranked by it). Their scores come back in `extra`, in order;
 * lineage gets `test` events for the finalists only.
 */
export async function testFinalistsWith(
  experimentUri: string,
  config: SearchConfig,
  leaderboard: readonly LeaderboardEntry[],
  lineage: LineageWriter,
  extra: { candidateId: string; checkpoint: string }[],
  count = FINALISTS,
): Promise<{ finalists: Finalist[]; extra: FinalistTest[] }> {
  const best = ranked(leaderboard.filter(isViable)).slice(0, count);
  const extraTests: FinalistTest[] = extra.map((e) => ({
    candidateId: e.candidateId,
    testAcc: null,
    testLoss: null,
  }));
  if (best.length === 0) return { finalists: [], extra: extraTests };
  const finalists: Finalist[] = best.map((e, i) => ({
    candidateId: e.candidateId,
    rank: i + 1,
    valAcc: e.valAcc,
    params: e.params,
    testAcc: null,
    testLoss: null,
  }));
  try {
    const tests = await testFinalists({
      experimentUri,
      dataset: candidateSettings(config).dataset,
      finalists: [
        ...best.map((e) => ({ candidateId: e.candidateId, checkpoint: e.checkpoint as string })),
        ...extra,
      ],
    });
    tests.forEach((t, i) => {
      if (i < finalists.length) Object.assign(finalists[i], { testAcc: t.testAcc, testLoss: t.testLoss });
      else extraTests[i - finalists.length] = t;
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The search's result stands without its test scores; say why they are missing.
    const why = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    for (const f of finalists) f.error = why;
  }
  const at = new Date().toISOString();
  lineage.write(
    finalists.map((f): LineageEventInput => ({
      type: 'test',
      at,
      candidate: f.candidateId,
      rank: f.rank,
      valAcc: f.valAcc,
      acc: f.testAcc,
      loss: f.testLoss,
    })),
  );
  await lineage.flush();
  return { finalists, extra: extraTests };
}
