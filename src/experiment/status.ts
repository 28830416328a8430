/**
 * `netgrow status <id>` as data: Temporal's view of the experiment's workflow, its status
 * query while it runs (answered by whichever worker holds it), the running candidates, and
 * the final result once it has ended — plus the lines that show it as a table.
 */
import type { Client } from '@temporalio/client';
import { describeEntry, madeBy, ranked } from '../search/leaderboard';
import type { ExperimentRecord } from './experiment';
import { readProgress, type CandidateProgress } from './progress';
import { displayUri } from './run';
import type { GrowResult, LeaderboardEntry, SearchResult, SearchStatus } from '../contracts/search';

export interface ExperimentStatusReport {
  experimentId: string;
  kind: ExperimentRecord['kind'];
  experimentUri: string;
  /** RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT. */
  workflowStatus: string;
  /** False when the workflow runs but no worker answered its status query. */
  workerAnswered: boolean;
  status: SearchStatus | null;
  running: CandidateProgress[];
  leaderboard: LeaderboardEntry[];
  result: SearchResult | GrowResult | null;
  /** Why it failed, for a failed workflow. */
  failure: string | null;
}

export async function experimentStatus(
  client: Client,
  record: ExperimentRecord,
): Promise<ExperimentStatusReport> {
  const progress = await readProgress(client, record.id, record.kind);
  const base = {
    experimentId: record.id,
    kind: record.kind,
    experimentUri: record.experimentUri,
    workflowStatus: progress.workflowStatus,
    running: progress.running,
    result: null,
    failure: null,
  };
  if (progress.workflowStatus === 'RUNNING') {
    const answered = record.kind === 'search' ? progress.status !== null : progress.leaderboard.length > 0;
    return {
      ...base,
      workerAnswered: answered,
      status: progress.status,
      leaderboard: ranked(progress.leaderboard),
    };
  }
  let result: SearchResult | GrowResult | null = null;
  let failure: string | null = null;
  try {
    result = (await client.workflow.getHandle(record.id).result()) as SearchResult | GrowResult;
  } catch (e) {
    failure = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
  }
  const board = result && 'leaderboard' in result ? result.leaderboard : [];
  return { ...base, workerAnswered: false, status: null, leaderboard: board, result, failure };
}

export function statusLines(s: ExperimentStatusReport, record: ExperimentRecord): string[] {
  const c = record.config;
  const lines = [
    `experiment  ${s.experimentId} (${s.kind}, ${c.strategy.kind} on ${c.dataset.name}, started ${record.createdAt})`,
    `files       ${displayUri(s.experimentUri)}`,
  ];
  const st = s.status;
  if (s.workflowStatus === 'RUNNING') {
    if (st) {
      lines.push(
        `workflow    ${st.phase}: generation ${Math.min(st.generation, st.generations)} of ${st.generations}, ` +
          `${st.candidates} candidates started, ${duration(st.wallSeconds)}, ${st.deviceHours.toFixed(3)} device-hours`,
        `budget      ${budgetText(st.budget)}`,
      );
    } else if (!s.workerAnswered) {
      lines.push(
        `workflow    running, but no worker answers: \`netgrow resume ${s.experimentId}\` continues it`,
      );
    } else {
      lines.push('workflow    running');
    }
  } else {
    lines.push(`workflow    ${s.workflowStatus.toLowerCase()}${s.failure ? `: ${s.failure}` : ''}`);
  }
  const r = s.result;
  if (r && 'reason' in r) {
    lines.push(`result      ${r.reason}: ${r.candidates} candidates over ${r.generations} generations`);
  } else if (r) {
    lines.push(`result      plan ${r.status}: ${r.stages.length} stage(s)`);
  }
  const best = st?.best ?? (r && 'best' in r ? r.best : null);
  if (best) lines.push(`best        ${best.candidateId} ${describeEntry(best)}`);
  if (r) lines.push(`report      ${displayUri(r.reportUri)}`);
  if (s.running.length > 0) {
    lines.push('running');
    for (const p of s.running) lines.push(`  ${p.candidateId.padEnd(8)} ${runningText(p)}`);
  }
  const board = r && 'stages' in r ? [] : s.leaderboard;
  if (board.length > 0) {
    lines.push('leaderboard', '  rank  candidate  status     val_acc      params  ops');
    board.slice(0, 10).forEach((e, i) => {
      const acc = e.valAcc !== null ? e.valAcc.toFixed(4) : '-';
      lines.push(
        `  ${String(i + 1).padStart(4)}  ${e.candidateId.padEnd(9)}  ${e.status.padEnd(9)}  ${acc.padStart(7)}  ` +
          `${e.params.toLocaleString('en-US').padStart(10)}  ${madeBy(e)}`,
      );
    });
  }
  if (r && 'stages' in r) {
    lines.push('stages');
    for (const g of r.stages) {
      const acc = g.valAcc !== null ? `val_acc ${g.valAcc.toFixed(4)}` : g.status;
      lines.push(
        `  ${String(g.stage).padStart(3)}  ${g.candidateId.padEnd(8)} ${acc}  (${g.ops.join('; ') || 'start model'})`,
      );
    }
  }
  return lines;
}

function runningText(p: CandidateProgress): string {
  const attempt = p.attempt > 1 ? ` (attempt ${p.attempt})` : '';
  const hb = p.heartbeat;
  if (p.activity === 'train' && hb?.waiting) return `train, waiting: ${hb.waiting}${attempt}`;
  if (p.activity === 'train' && hb && hb.epoch > 0) {
    const total = hb.stepsPerEpoch && hb.epochs ? `/${hb.stepsPerEpoch * hb.epochs}` : '';
    const m = hb.metrics;
    const stats = [
      m.loss != null ? `loss ${m.loss.toFixed(3)}` : '',
      m.acc != null ? `acc ${m.acc.toFixed(3)}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return `train epoch ${hb.epoch}${hb.epochs ? `/${hb.epochs}` : ''} step ${hb.step}${total} ${stats}${attempt}`;
  }
  return `${p.activity ?? 'between steps'}${attempt}`;
}

function budgetText(b: SearchStatus['budget']): string {
  return [
    `candidates ${b.candidates ?? 'no limit'}`,
    `wall time ${b.wallTime ?? 'no limit'}`,
    `gpu-hours ${b.gpuHours ?? 'no limit'}`,
  ].join(', ');
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
