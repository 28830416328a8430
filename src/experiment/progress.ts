/**
 * What is happening in an experiment right now, read from Temporal alone: the search's status
 * and leaderboard queries (a grow workflow's stages), and for each running candidate child
 * workflow its pending activity — which step, which attempt, and the train activity's last
 * heartbeat (epoch, step, metrics). Read every second by `netgrow search|resume`.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TrainHeartbeat } from '../contracts/activities';
import type { ExperimentKind } from './experiment';
import type { GrowStage, LeaderboardEntry, SearchStatus } from '../contracts/search';

export interface CandidateProgress {
  candidateId: string;
  /** mutate | train | evaluate, or null between activities. */
  activity: string | null;
  /** Attempt of that activity (2+ after a lost worker or an outage). */
  attempt: number;
  heartbeat: TrainHeartbeat | null;
  /** Why the previous attempt failed, when there was one. */
  lastFailure: string | null;
}

export interface ExperimentProgress {
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, … */
  workflowStatus: string;
  /** The search's status query; null for a grow workflow or when no worker answered. */
  status: SearchStatus | null;
  /** Candidates finished so far, as the workflow knows them. */
  leaderboard: LeaderboardEntry[];
  running: CandidateProgress[];
}

// Names only: importing the workflow module here would pull the sandbox's APIs into the CLI.
const QUERIES = { status: 'status', leaderboard: 'leaderboard', stages: 'stages' };

export async function readProgress(
  client: Client,
  experimentId: string,
  kind: ExperimentKind,
  queryTimeoutMs = 3000,
): Promise<ExperimentProgress> {
  const handle = client.workflow.getHandle(experimentId);
  const description = await handle.describe();
  const workflowStatus = description.status.name;
  const query = async <T>(name: string): Promise<T | null> => {
    try {
      return await client.withDeadline(Date.now() + queryTimeoutMs, () => handle.query<T>(name));
    } catch {
      return null; // no worker (yet), or the run is handing over to its successor
    }
  };
  let status: SearchStatus | null = null;
  let leaderboard: LeaderboardEntry[] = [];
  if (workflowStatus === 'RUNNING') {
    if (kind === 'search') {
      [status, leaderboard] = await Promise.all([
        query<SearchStatus>(QUERIES.status),
        query<LeaderboardEntry[]>(QUERIES.leaderboard).then((l) => l ?? []),
      ]);
    } else {
      leaderboard = ((await query<GrowStage[]>(QUERIES.stages)) ?? []).map(stageEntry);
    }
  }
  const children = description.raw.pendingChildren ?? [];
  const running = await Promise.all(
    children
      .filter((c) => c.workflowId?.startsWith(`${experimentId}.`))
      .map((c) => candidateProgress(client, c.workflowId as string, experimentId)),
  );
  return { workflowStatus, status, leaderboard, running: running.filter((r) => r !== null) };
}

async function candidateProgress(
  client: Client,
  workflowId: string,
  experimentId: string,
): Promise<CandidateProgress | null> {
  const candidateId = workflowId.slice(experimentId.length + 1);
  let pending;
  try {
    pending = (await client.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
  } catch {
    return null; // finished between the two calls
  }
  const activity = pending[0];
  if (!activity) return { candidateId, activity: null, attempt: 0, heartbeat: null, lastFailure: null };
  const payload = activity.heartbeatDetails?.payloads?.[0];
  let heartbeat: TrainHeartbeat | null = null;
  if (payload) {
    try {
      heartbeat = defaultPayloadConverter.fromPayload<TrainHeartbeat>(payload) ?? null;
    } catch {
      heartbeat = null;
    }
  }
  return {
    candidateId,
    activity: activity.activityType?.name ?? null,
    attempt: activity.attempt ?? 1,
    heartbeat: heartbeat && typeof heartbeat.epoch === 'number' ? heartbeat : null,
    lastFailure: activity.lastFailure?.message ?? null,
  };
}

function stageEntry(s: GrowStage): LeaderboardEntry {
  return {
    candidateId: s.candidateId,
    parentId: null,
    generation: s.stage,
    status: s.status,
    valAcc: s.valAcc,
    params: s.params,
    checkpoint: s.checkpoint,
    ops: s.ops,
  };
}
