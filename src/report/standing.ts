/**
 * Where each candidate stands — status, best validation accuracy, test accuracy, epochs — and
 * the experiment's totals, derived purely from the collected data. A candidate's figures come
 * from its best run (a network may be trained several times: divergence retries, resumes).
 */
import { TrainRow } from '../log';
import { CandidateData, ConfigView, ExperimentData, RunData } from './collect';
import { naturalCompare } from './layout';

/** In order of precedence: a candidate with one completed run is `completed`, whatever else happened. */
export const STATUSES = ['completed', 'stopped', 'running', 'diverged', 'failed', 'untrained'] as const;
export type CandidateStatus = (typeof STATUSES)[number];

export interface Standing {
  id: string;
  parent: string | null;
  operation: string | null;
  generation: number | null;
  params: number | null;
  valAcc: number | null;
  testAcc: number | null;
  /** True when testAcc is a finalist's, scored once after the search (not by its own run). */
  finalist: boolean;
  /** What ranked it when the search penalised size; null otherwise. */
  score: number | null;
  /** For the scratch control: the grown winner it retrains; null for every candidate. */
  control: string | null;
  epochs: number | null;
  status: CandidateStatus;
  /** The run the figures come from; null when nothing was trained. */
  bestRun: RunData | null;
  /** Training wall time over all runs. */
  trainSeconds: number;
  /**
   * Training FLOPs over all its runs (result.json `trainFlops`: samples seen × forward +
   * backward FLOPs per sample); null when no run has a count (untrained, failed before its
   * result, or trained before runs counted them).
   */
  trainFlops: number | null;
}

export const epochRows = (rows: readonly TrainRow[]): TrainRow[] => rows.filter((r) => r.kind === 'epoch');

/** A run's best validation accuracy: result.json's, else the best finite epoch row. */
export function runValAcc(run: RunData): number | null {
  const fromResult = run.result?.best?.valAcc ?? run.result?.final?.valAcc ?? null;
  if (fromResult !== null && Number.isFinite(fromResult)) return fromResult;
  const vals = epochRows(run.rows)
    .map((r) => r.valAcc)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  return vals.length > 0 ? Math.max(...vals) : null;
}

export function runStatus(run: RunData): CandidateStatus {
  if (run.result) return run.result.status;
  switch (run.lineageStatus) {
    case 'completed':
    case 'stopped':
    case 'diverged':
    case 'failed':
      return run.lineageStatus;
    case 'started':
    case 'retrying':
      return 'running';
    default:
      // Rows but neither result nor event: a trainer that is writing, or one that died.
      return run.rows.length > 0 ? 'running' : 'untrained';
  }
}

export function standingOf(c: CandidateData): Standing {
  const statuses = c.runs.map(runStatus);
  const status = STATUSES.find((s) => statuses.includes(s)) ?? 'untrained';
  let bestRun: RunData | null = null;
  let best = -Infinity;
  for (const r of c.runs) {
    const v = runValAcc(r) ?? -Infinity;
    if (bestRun === null || v > best || (v === best && r.rows.length > 0)) {
      bestRun = r;
      best = v;
    }
  }
  const rows = bestRun ? epochRows(bestRun.rows) : [];
  return {
    id: c.id,
    parent: c.parent,
    operation: c.operation,
    generation: c.generation,
    params: c.params,
    valAcc: bestRun ? runValAcc(bestRun) : null,
    // A search's finalists were scored once after it; a standalone run scored its own test split.
    testAcc: c.finalTest ? c.finalTest.acc : (bestRun?.result?.test?.acc ?? null),
    finalist: !!c.finalTest,
    score: c.score ?? null,
    control: c.control ?? null,
    epochs: bestRun?.result?.epochsRun ?? (rows.length > 0 ? Math.max(...rows.map((r) => r.epoch)) : null),
    status,
    bestRun: bestRun && (bestRun.result || bestRun.rows.length > 0) ? bestRun : null,
    trainSeconds: c.runs.reduce((a, r) => a + (r.wallSeconds ?? 0), 0),
    trainFlops: sumCounted(c.runs.map((r) => r.result?.trainFlops)),
  };
}

/** The sum of the numbers present; null when none is. */
function sumCounted(xs: ReadonlyArray<number | null | undefined>): number | null {
  const known = xs.filter((x): x is number => typeof x === 'number');
  return known.length > 0 ? known.reduce((a, b) => a + b, 0) : null;
}

/**
 * Each candidate's lineage training FLOPs: its own runs' plus every ancestor's in the
 * experiment (what growing it cost, the axis a scratch control is compared on). Null when none
 * of them has a count; a run without one (no result.json) adds nothing.
 */
export function lineageFlops(standings: readonly Standing[]): Map<string, number | null> {
  const byId = new Map(standings.map((s) => [s.id, s]));
  const parentOf = new Map(standings.map((s) => [s.id, s.parent]));
  return new Map(
    standings.map((s) => [s.id, sumCounted(ancestry(s.id, parentOf).map((id) => byId.get(id)!.trainFlops))]),
  );
}

/**
 * Best first by what the search ranked by — the penalised score when it had one, else the
 * validation accuracy; untrained ones last, in id order.
 */
export function rankStandings(standings: readonly Standing[]): Standing[] {
  const value = (s: Standing): number => (s.valAcc === null ? -Infinity : (s.score ?? s.valAcc));
  return [...standings].sort((a, b) => value(b) - value(a) || naturalCompare(a.id, b.id));
}

export interface ExperimentTotals {
  config: ConfigView | null;
  candidates: number;
  byStatus: Record<CandidateStatus, number>;
  best: Standing | null;
  /** First to last recorded event; null when nothing has a timestamp. */
  startedAt: string | null;
  lastEventAt: string | null;
  wallSeconds: number | null;
  trainSeconds: number;
  /** Training FLOPs of every run of the search (every candidate); null when none was counted. */
  trainFlops: number | null;
}

export function experimentTotals(data: ExperimentData, ranked: readonly Standing[]): ExperimentTotals {
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<CandidateStatus, number>;
  for (const s of ranked) byStatus[s.status]++;
  // The lineage is the search's own clock; checkpoint times are a fallback (a copied checkpoint
  // keeps the time it was first written, so mixing the two would stretch the span).
  const stamps =
    data.lineage.length > 0
      ? [...data.lineage.map((e) => e.at), data.config?.createdAt]
      : [...data.candidates.map((c) => c.meta?.createdAt), data.config?.createdAt];
  const times = stamps
    .filter((t): t is string => typeof t === 'string')
    .map((t) => ({ t, ms: Date.parse(t) }))
    .filter((x) => Number.isFinite(x.ms))
    .sort((a, b) => a.ms - b.ms);
  const first = times[0] ?? null;
  const last = times[times.length - 1] ?? null;
  return {
    config: data.config,
    candidates: ranked.length,
    byStatus,
    best: ranked.find((s) => s.valAcc !== null && !s.control) ?? null,
    startedAt: first?.t ?? null,
    lastEventAt: last?.t ?? null,
    wallSeconds: first && last ? (last.ms - first.ms) / 1000 : null,
    trainSeconds: ranked.reduce((a, s) => a + s.trainSeconds, 0),
    trainFlops: sumCounted(ranked.map((s) => s.trainFlops)),
  };
}

/** Ids from the first ancestor in the experiment down to `id` (a growth path, Figure 3). */
export function ancestry(id: string, parentOf: ReadonlyMap<string, string | null>): string[] {
  const path: string[] = [];
  for (
    let cur: string | null | undefined = id;
    cur && parentOf.has(cur) && !path.includes(cur);
    cur = parentOf.get(cur)
  ) {
    path.unshift(cur);
  }
  return path;
}
