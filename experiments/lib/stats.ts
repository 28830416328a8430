/**
 * Figures over seeds: mean, sample standard deviation and range, and the one rule the drivers
 * use to call a difference real or noise. The rule is deliberately plain so a reader can check
 * it by hand: two groups differ when their means are further apart than twice the standard
 * error of the difference (Welch's, about a 95% interval for normal errors); otherwise the
 * report says "within noise". With 3 seeds this is a coarse test, and the reports say so.
 */

export interface Spread {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  std: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return { n: 0, mean: NaN, std: NaN, min: NaN, max: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { n, mean, std: Math.sqrt(variance), min: Math.min(...xs), max: Math.max(...xs) };
}

export interface Comparison {
  /** mean(a) − mean(b). */
  diff: number;
  /** Twice the standard error of the difference. */
  noise: number;
  withinNoise: boolean;
}

export function compare(a: Spread, b: Spread): Comparison {
  const diff = a.mean - b.mean;
  const noise = 2 * Math.sqrt((a.n > 0 ? a.std ** 2 / a.n : 0) + (b.n > 0 ? b.std ** 2 / b.n : 0));
  // Fewer than two seeds on a side: no spread to judge by, so nothing is claimed.
  const judgeable = a.n >= 2 && b.n >= 2;
  return { diff, noise, withinNoise: !judgeable || Math.abs(diff) <= noise };
}

/** `0.8512 ± 0.0031` (mean ± sample std), or `—` when there is no value. */
export function formatSpread(s: Spread, digits = 4): string {
  if (s.n === 0) return '—';
  return s.n === 1 ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
}

/** One sentence on a comparison, for tables and notes. */
export function describeComparison(aName: string, bName: string, c: Comparison, digits = 4): string {
  const sign = c.diff >= 0 ? '+' : '−';
  const d = `${aName} − ${bName} = ${sign}${Math.abs(c.diff).toFixed(digits)}`;
  return c.withinNoise
    ? `${d}: within noise (2·SE ${c.noise.toFixed(digits)})`
    : `${d}: larger than noise (2·SE ${c.noise.toFixed(digits)})`;
}
