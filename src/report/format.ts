/** How numbers, durations and shapes read in the report, and the leaderboard's HTML table. */
import { Child, el, Markup } from './svg';

/** 1234 → "1.23k", 2_500_000 → "2.5M"; plain below 1000. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, u] of units) {
    if (abs >= v) return `${Number((n / v).toPrecision(3))}${u}`;
  }
  return String(Math.round(n));
}

/** 0.87456 → "87.46%"; null → "—". */
export function formatPercent(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return `${(x * 100).toFixed(digits)}%`;
}

/** A loss or other plain metric with 4 significant digits, NaN and infinities spelled out. */
export function formatMetric(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return String(Number(x.toPrecision(4)));
}

/** Seconds as a person reads a duration: "42.0s", "3m 05s", "4h 12m", "2d 3h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m ${String(sec).padStart(2, '0')}s`;
}

/** [14, 14, 64] → "14×14×64". */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/** An ISO timestamp as "2024-05-01 12:03 UTC"; anything unparsable is returned as is. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface Column<R> {
  header: string;
  /** Text (escaped) or markup for one row's cell. */
  cell: (row: R) => Child;
  /** Numbers align right so that their digits line up. */
  numeric?: boolean;
  /** A tooltip on the header, for abbreviations. */
  title?: string;
}

/** An HTML table; `rowClass` adds a class per row (the best candidate, failed ones). */
export function htmlTable<R>(
  columns: ReadonlyArray<Column<R>>,
  rows: readonly R[],
  rowClass: (row: R) => string | undefined = () => undefined,
): Markup {
  const cls = (c: Column<R>): string | undefined => (c.numeric ? 'num' : undefined);
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        columns.map((c) => el('th', { class: cls(c), title: c.title }, c.header)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          { class: rowClass(r) },
          columns.map((c) => el('td', { class: cls(c) }, c.cell(r))),
        ),
      ),
    ),
  );
}
