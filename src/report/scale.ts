/** Linear scales and "nice" axis ticks for the report's charts. */

export interface LinearScale {
  (x: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

/** Maps `domain` onto `range` linearly; a degenerate domain maps everything to the range's middle. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = (x: number): number => (span === 0 ? (r0 + r1) / 2 : r0 + ((x - d0) / span) * (r1 - r0));
  return Object.assign(f, { domain: [d0, d1] as const, range: [r0, r1] as const });
}

/** A step of 1, 2 or 5 times a power of ten that splits [lo, hi] into about `count` parts. */
export function niceStep(lo: number, hi: number, count: number): number {
  const span = Math.abs(hi - lo);
  if (!Number.isFinite(span) || span === 0) return 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

/** [lo, hi] widened outward to multiples of the nice step, and the ticks inside. */
export function niceDomain(
  lo: number,
  hi: number,
  count = 5,
): { domain: [number, number]; ticks: number[]; step: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return niceDomain(0, 1, count);
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceDomain(lo - pad, hi + pad, count);
  }
  const step = niceStep(lo, hi, count);
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  // Counting in integers keeps 0.1 + 0.2 from leaking into tick labels.
  const n = Math.round((end - start) / step);
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  for (let i = 0; i <= n; i++) ticks.push(Number((start + i * step).toFixed(digits)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks, step };
}
