/**
 * What a search may spend, and whether it has spent it. Pure: the workflow passes its own
 * (deterministic) clock in, so the same history always reaches the same decision.
 *
 * GPU-hours are run hours times the GPUs each run holds; a CPU run counts as one device,
 * so a GPU-hour budget also bounds a search on the process executor.
 *
 * Limits are checked before each candidate starts: a spent budget starts nothing new, and
 * the candidates already running finish (their results are paid for).
 */
import type { Budget, BudgetLimit } from '../contracts/search';

export interface BudgetUsage {
  candidates: number;
  /** Epoch milliseconds (workflow time) when the search started. */
  startedAtMs: number;
  /** Training seconds × devices, summed over every run, retries included. */
  deviceSeconds: number;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `2h`, `1d12h` → milliseconds; null when the text is not such a duration. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(trimmed)) return null;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhd])/g))
    ms += Number(amount) * UNIT_MS[unit];
  return ms > 0 ? ms : null;
}

export const DURATION_HINT = 'a duration such as 90s, 30m, 2h or 1d12h';

/** Sentences naming what is wrong with a budget (empty when it is valid). */
export function budgetProblems(budget: Partial<Budget>): string[] {
  const problems: string[] = [];
  const positive = (name: keyof Budget, value: unknown, integer: boolean) => {
    if (value === null || value === undefined) return;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value <= 0 ||
      (integer && !Number.isInteger(value))
    ) {
      problems.push(
        `${name}: must be a positive ${integer ? 'integer' : 'number'} or null, received ${JSON.stringify(value)}`,
      );
    }
  };
  positive('candidates', budget.candidates, true);
  positive('gpuHours', budget.gpuHours, false);
  const wall = budget.wallTime;
  if (wall !== null && wall !== undefined && (typeof wall !== 'string' || parseDuration(wall) === null)) {
    problems.push(`wallTime: must be ${DURATION_HINT} or null, received ${JSON.stringify(wall)}`);
  }
  return problems;
}

/** Problems of a `setBudget` patch: unknown fields as well as bad values. */
export function budgetPatchProblems(patch: unknown): string[] {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    return ['a budget change is an object such as {"candidates": 60, "wallTime": "4h"}'];
  }
  const known = ['candidates', 'wallTime', 'gpuHours'];
  const unknown = Object.keys(patch).filter((k) => !known.includes(k));
  return [
    ...unknown.map((k) => `${k}: unknown budget field (known: ${known.join(', ')})`),
    ...budgetProblems(patch as Partial<Budget>),
  ];
}

/** The first limit the usage has reached, or null while the search may go on. */
export function budgetExhausted(budget: Budget, usage: BudgetUsage, nowMs: number): BudgetLimit | null {
  if (budget.candidates !== null && usage.candidates >= budget.candidates) return 'candidates';
  const wallMs = budget.wallTime === null ? null : parseDuration(budget.wallTime);
  if (wallMs !== null && nowMs - usage.startedAtMs >= wallMs) return 'wall-time';
  if (budget.gpuHours !== null && usage.deviceSeconds >= budget.gpuHours * 3600) return 'gpu-hours';
  return null;
}

/** How many more candidates may start (Infinity without a candidate limit). */
export function candidatesLeft(budget: Budget, usage: BudgetUsage): number {
  return budget.candidates === null ? Infinity : Math.max(0, budget.candidates - usage.candidates);
}

/** Milliseconds of wall time left (Infinity without a limit, never negative). */
export function wallTimeLeftMs(budget: Budget, usage: BudgetUsage, nowMs: number): number {
  const wallMs = budget.wallTime === null ? null : parseDuration(budget.wallTime);
  return wallMs === null ? Infinity : Math.max(0, usage.startedAtMs + wallMs - nowMs);
}
