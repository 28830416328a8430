/**
 * `netgrow grow --plan`: the seed's explicit growth plans. The start model is trained, then
 * each stage's commands are applied to the previous stage's trained network and the result
 * trained again. Every stage is a candidate child workflow; the result lists each stage's
 * metrics. A stage that cannot be trained (diverged after every retry, failed) ends the plan.
 */
import { defineQuery, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { Rng } from '../src/graph/rng';
import type { SearchConfig } from '../src/search/config';
import { planGeneration } from '../src/search/strategy';
import { SEARCH_ATTRIBUTES } from '../src/temporal/config';
import { labelExperiment } from './labels';
import { FINALISTS_TESTED, testFinalistsOnce } from './finalists';
import { launchCandidate } from './launch';
import { LineageWriter } from './lineage-writer';
import { report } from './proxies';
import type { GrowResult, GrowStage, LeaderboardEntry } from '../src/contracts/search';
import type { SearchExecutorSettings } from '../src/contracts/executor-settings';

export interface GrowPlan {
  experimentId: string;
  experimentUri: string;
  /** A validated config whose strategy is a plan (`{ kind: plan, stages }`). */
  config: SearchConfig;
  /** The fields of the config's kubernetes `executor` section its user set; absent when none. */
  executorSettings?: SearchExecutorSettings;
}

export const growStagesQuery = defineQuery<GrowStage[]>('stages');

export async function growWorkflow(plan: GrowPlan): Promise<GrowResult> {
  const { experimentId, experimentUri, config } = plan;
  if (config.strategy.kind !== 'plan') {
    throw new TypeError(`growWorkflow needs a plan strategy, received "${config.strategy.kind}"`);
  }
  const stages: GrowStage[] = [];
  setHandler(growStagesQuery, () => stages);
  labelExperiment(experimentId, experimentUri, config.name, 'plan', config.dataset.name);
  const lineage = new LineageWriter(experimentUri);
  const leaderboard: LeaderboardEntry[] = [];
  let status: GrowResult['status'] = 'completed';
  for (let generation = 0; ; generation++) {
    const rng = new Rng(`${config.seed}:generation:${generation}`);
    const next = planGeneration(config.strategy, { generation, leaderboard }, rng, 1);
    const child = next.children[0];
    if (!child) break;
    const result = await launchCandidate({
      experimentId,
      experimentUri,
      config,
      executorSettings: plan.executorSettings,
      generation,
      child,
      leaderboard,
    });
    lineage.write(result.events);
    leaderboard.push(result.entry);
    const { entry } = result;
    stages.push({
      stage: generation,
      candidateId: entry.candidateId,
      ops: entry.ops,
      status: entry.status,
      valAcc: entry.valAcc,
      testAcc: result.testAcc,
      params: entry.params,
      attempts: result.attempts,
      checkpoint: entry.checkpoint,
      error: result.error,
    });
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.generation, value: generation },
      ...(entry.valAcc !== null ? [{ key: SEARCH_ATTRIBUTES.bestValAcc, value: entry.valAcc }] : []),
    ]);
    if (entry.status !== 'completed') {
      status = entry.status;
      break;
    }
  }
  await lineage.flush();
  const last = stages.at(-1);
  const best = last?.status === 'completed' ? last.candidateId : null;
  if (best && patched(FINALISTS_TESTED)) {
    // The grown network is the plan's result: its test split is scored once, at the end.
    const final = leaderboard.filter((e) => e.candidateId === best);
    const [tested] = await testFinalistsOnce(experimentUri, config, final, lineage, 1);
    if (last && tested) last.testAcc = tested.testAcc;
  }
  const { uri } = await report({ experimentUri, experimentId, reason: `plan ${status}`, best });
  return { experimentId, status, stages, reportUri: uri };
}
