/**
 * What a search must look like after any number of faults, checked from storage and Temporal
 * history alone: each candidate exactly once, no epoch trained twice beyond a crash's tail,
 * every checkpoint intact, no trainer left running, no workflow or run left unfinished, the
 * report telling the lineage's story, and the search's result agreeing with storage.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { readLineage } from '../../src/log/lineage';
import { readTrainCsv } from '../../src/log/train-csv';
import { readCheckpoint } from '../../src/model/checkpoint';
import { collectExperiment, rankStandings, standingOf } from '../../src/report';
import type { ArtifactStore } from '../../src/storage';
import { TrainResult } from '../../src/contracts/train';
import type { SearchResult } from '../../src/contracts/search';

export interface Verdict {
  candidates: number;
  /** Expected candidates with no completed training in lineage. */
  lost: number;
  /** Lineage lines, training events or mutations recorded more than once. */
  duplicated: number;
  checkpointsVerified: number;
  /** Train activity attempts beyond the first (crashes the search recovered from). */
  trainRetries: number;
  /** Epochs trained again after a crash (at most one per crash). */
  epochsRetrained: number;
  /** Every check that failed, in words; empty when the search came through whole. */
  failures: string[];
}

export interface VerifyInput {
  client: Client;
  exp: ArtifactStore;
  experimentId: string;
  expectedCandidates: number;
  result: SearchResult;
  trainersLeft: () => number[];
}

export async function verifyChaos(input: VerifyInput): Promise<Verdict> {
  const { client, exp, experimentId, expectedCandidates, result } = input;
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };

  // Lineage: every candidate exactly once.
  const { events, torn } = await readLineage(exp, 'lineage.jsonl');
  check(torn.length === 0, `${torn.length} torn lines in lineage.jsonl`);
  const lines = events.map((e) => JSON.stringify(e));
  let duplicated = lines.length - new Set(lines).size;
  const training = events.filter((e) => e.type === 'training');
  const runIds = training.map((e) => e.runId);
  duplicated += runIds.length - new Set(runIds).size;
  const mutations = events.filter((e) => e.type === 'mutation').map((e) => e.child);
  duplicated += mutations.length - new Set(mutations).size;
  const completed = new Set(training.filter((e) => e.status === 'completed').map((e) => e.candidate));
  const inLineage = new Set(training.map((e) => e.candidate));
  const lost = Math.max(0, expectedCandidates - completed.size);
  check(duplicated === 0, `${duplicated} lineage entries recorded twice`);
  check(lost === 0, `${lost} of ${expectedCandidates} candidates never completed training`);
  check(result.candidates === expectedCandidates, `the search reports ${result.candidates} candidates`);

  // Storage: the same candidates, each run finished, no epoch trained twice beyond a crash.
  const keys = await exp.list('candidates/');
  const folders = [...new Set(keys.map((k) => k.split('/')[1]))].sort();
  check(
    folders.join() === [...inLineage].sort().join(),
    `candidate folders (${folders.length}) differ from lineage (${inLineage.size})`,
  );
  const histories = await candidateHistories(client, experimentId);
  const retries = histories.retries;
  for (const [candidate, error] of histories.errors) failures.push(`${candidate} failed: ${error}`);
  let trainRetriesTotal = 0;
  let epochsRetrained = 0;
  const runs = [...new Set(keys.filter((k) => /^candidates\/[^/]+\/runs\/[^/]+\//.test(k)).map(runPrefix))];
  for (const run of runs) {
    const candidate = run.split('/')[1];
    const resultKey = `${run}/result.json`;
    if (!(await exp.exists(resultKey))) {
      failures.push(`${run}: no result.json (a run left unfinished)`);
      continue;
    }
    const r = TrainResult.parse(JSON.parse(await exp.getText(resultKey)));
    check(r.status === 'completed' || r.status === 'diverged', `${run}: status ${r.status}`);
    const epochs = (await readTrainCsv(exp, `${run}/train.csv`)).filter((row) => row.kind === 'epoch');
    const again = epochs.length - new Set(epochs.map((row) => row.epoch)).size;
    epochsRetrained += again;
    const crashes = retries.get(candidate) ?? 0;
    check(again <= crashes, `${run}: ${again} epochs trained twice, ${crashes} crashes`);
  }
  for (const n of retries.values()) trainRetriesTotal += n;

  // Every checkpoint (a folder with meta.json; one without it is a torn write, read as absent).
  const checkpoints = keys
    .filter((k) => k.endsWith('/meta.json'))
    .map((k) => k.slice(0, -'/meta.json'.length));
  let checkpointsVerified = 0;
  for (const prefix of checkpoints) {
    try {
      await readCheckpoint(exp, prefix);
      checkpointsVerified++;
    } catch (e) {
      failures.push(`checkpoint ${prefix}: ${(e as Error).message}`);
    }
  }

  // Nothing left running: trainers, workflows.
  const deadline = Date.now() + 45_000;
  while (input.trainersLeft().length > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 500));
  check(input.trainersLeft().length === 0, `orphaned trainer processes: ${input.trainersLeft().join(', ')}`);
  for await (const wf of client.workflow.list({
    query: `NetgrowExperimentId = "${experimentId}" AND ExecutionStatus = "Running"`,
  })) {
    failures.push(`workflow ${wf.workflowId} still running`);
  }

  // The report and the search's result agree with storage and lineage.
  const html = (await exp.exists('report/index.html')) ? await exp.getText('report/index.html') : '';
  check(html.startsWith('<!DOCTYPE html>'), 'report/index.html missing');
  const data = await collectExperiment(exp, '');
  const ranked = rankStandings(data.candidates.map(standingOf));
  check(
    ranked
      .map((s) => s.id)
      .sort()
      .join() === [...inLineage].sort().join(),
    'the report lists other candidates than lineage',
  );
  for (const id of inLineage) check(html.includes(id), `the report does not show ${id}`);
  // The search ranks by the validation score of each candidate's trained checkpoint, which its
  // history holds (the train activity's result; the evaluate activity's in older histories):
  // every leaderboard row is that score, of a checkpoint that storage holds.
  for (const entry of result.leaderboard) {
    const evaluated = histories.evaluations.get(entry.candidateId);
    check(
      evaluated === entry.valAcc,
      `${entry.candidateId}: result val_acc ${entry.valAcc}, evaluated ${evaluated}`,
    );
    const key = entry.checkpoint?.startsWith(`${exp.uri}/`)
      ? entry.checkpoint.slice(exp.uri.length + 1)
      : null;
    check(
      key !== null && (await exp.exists(`${key}/meta.json`)),
      `${entry.candidateId}: checkpoint ${entry.checkpoint} not in storage`,
    );
  }
  const bestEvaluated = Math.max(...histories.evaluations.values());
  check(
    result.best?.valAcc === bestEvaluated,
    `result best ${result.best?.valAcc}, best evaluated ${bestEvaluated}`,
  );

  return {
    candidates: completed.size,
    lost,
    duplicated,
    checkpointsVerified,
    trainRetries: trainRetriesTotal,
    epochsRetrained,
    failures,
  };
}

const runPrefix = (key: string) => key.split('/').slice(0, 4).join('/');

/**
 * From each candidate workflow's history: train activity attempts beyond the first, and the
 * validation score it was ranked by (the last completed train's, or the evaluate activity's).
 */
async function candidateHistories(client: Client, experimentId: string) {
  const retries = new Map<string, number>();
  const errors = new Map<string, string>();
  const evaluations = new Map<string, number>();
  const query = `NetgrowExperimentId = "${experimentId}" AND WorkflowType = "candidateWorkflow"`;
  for await (const wf of client.workflow.list({ query })) {
    const events = (await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? [];
    const candidate = wf.workflowId.slice(experimentId.length + 1);
    const scheduled = new Map(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes)
        .map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType?.name]),
    );
    let extra = 0;
    for (const e of events) {
      const started = e.activityTaskStartedEventAttributes;
      if (started && scheduled.get(String(started.scheduledEventId)) === 'train')
        extra += (started.attempt ?? 1) - 1;
      const completed = e.activityTaskCompletedEventAttributes;
      const activity = completed ? scheduled.get(String(completed.scheduledEventId)) : undefined;
      if (completed && activity === 'evaluate') {
        const out = defaultPayloadConverter.fromPayload<{ valAcc: number }>(completed.result!.payloads![0]);
        evaluations.set(candidate, out.valAcc);
      } else if (completed && activity === 'train') {
        // Since the trainer scores validation itself, the last completed run's score is the one.
        const run = defaultPayloadConverter.fromPayload<TrainResult>(completed.result!.payloads![0]);
        const acc = run.validation !== undefined ? run.validation?.acc : run.final?.valAcc;
        if (run.status === 'completed' && acc !== undefined && acc !== null) evaluations.set(candidate, acc);
      }
    }
    retries.set(candidate, (retries.get(candidate) ?? 0) + extra);
    const ended = events.at(-1)?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
    const error = ended ? defaultPayloadConverter.fromPayload<{ error: string | null }>(ended).error : null;
    if (error) errors.set(candidate, error);
  }
  return { retries, evaluations, errors };
}
