/**
 * Figures over seeds: mean, sample standard deviation and range, and the one test the drivers
 * use to call a difference real: Welch's two-sample t-test (unequal variances), two-sided, at
 * ALPHA. Its p-value is computed here from Student's t distribution (checked against SciPy in
 * tests/experiments/lib.test.ts). With 3 seeds a side it has little power: "not significant"
 * means the data do not show a difference, not that there is none.
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
  /** Welch's t statistic; null with fewer than two values on a side. */
  t: number | null;
  /** Welch–Satterthwaite degrees of freedom; null where t is. */
  df: number | null;
  /** Two-sided p-value of Welch's t-test; null where t is. */
  p: number | null;
  /** No difference is claimed: p ≥ ALPHA, or too few values to test. */
  withinNoise: boolean;
}

/** The significance level every driver uses. */
export const ALPHA = 0.05;

/**
 * Welch's two-sample t-test (unequal variances). With fewer than two seeds on a side there is
 * no spread to test against, so nothing is claimed. Two sides with no spread at all differ
 * exactly when their means do (p 0 or 1).
 */
export function compare(a: Spread, b: Spread): Comparison {
  const diff = a.mean - b.mean;
  if (a.n < 2 || b.n < 2) return { diff, t: null, df: null, p: null, withinNoise: true };
  const va = a.std ** 2 / a.n;
  const vb = b.std ** 2 / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    const p = diff === 0 ? 1 : 0;
    return {
      diff,
      t: diff === 0 ? 0 : Math.sign(diff) * Infinity,
      df: a.n + b.n - 2,
      p,
      withinNoise: p >= ALPHA,
    };
  }
  const t = diff / se;
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const p = studentTwoSided(t, df);
  return { diff, t, df, p, withinNoise: p >= ALPHA };
}

/**
 * One value (a single search) against a sample (seeds of a control): is the value a likely new
 * draw from the sample's distribution? t = (x − mean) / (s·√(1 + 1/n)), n − 1 degrees of
 * freedom (the prediction-interval test for normal errors).
 */
export function compareOne(value: number, b: Spread): Comparison {
  const diff = value - b.mean;
  if (b.n < 2 || !Number.isFinite(value)) return { diff, t: null, df: null, p: null, withinNoise: true };
  const se = b.std * Math.sqrt(1 + 1 / b.n);
  const t = se === 0 ? (diff === 0 ? 0 : Math.sign(diff) * Infinity) : diff / se;
  const p = diff === 0 ? 1 : studentTwoSided(t, b.n - 1);
  return { diff, t, df: b.n - 1, p, withinNoise: p >= ALPHA };
}

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
export function studentTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz). */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) above.
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * betaFraction(1 - x, b, a)) / b;
  return (front * betaFraction(x, a, b)) / a;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/**
 * ln Γ(x) for x > 0: shifted up to x ≥ 10 by Γ(x) = Γ(x + 1) / x, then Stirling's series to
 * its z⁻⁹ term (error below 1e-13 there).
 */
function lnGamma(x: number): number {
  let shift = 0;
  while (x < 10) {
    shift += Math.log(x);
    x += 1;
  }
  const z2 = 1 / (x * x);
  const series = (1 / x) * (1 / 12 - z2 * (1 / 360 - z2 * (1 / 1260 - z2 * (1 / 1680 - z2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/** `0.8512 ± 0.0031` (mean ± sample std), or `—` when there is no value. */
export function formatSpread(s: Spread, digits = 4): string {
  if (s.n === 0) return '—';
  return s.n === 1 ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
}

/** A p-value as a reader wants it: `p = 0.031`, `p < 0.001`. */
export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** One sentence on a comparison, for tables and notes. */
export function describeComparison(aName: string, bName: string, c: Comparison, digits = 4): string {
  const sign = c.diff >= 0 ? '+' : '−';
  const d = `${aName} − ${bName} = ${sign}${Math.abs(c.diff).toFixed(digits)}`;
  if (c.p === null) return `${d}: not tested (fewer than 2 seeds a side)`;
  const test = `t ${c.t!.toFixed(2)}, df ${c.df!.toFixed(1)}, ${formatP(c.p)}`;
  return c.withinNoise ? `${d}: not significant (${test})` : `${d}: significant at ${ALPHA} (${test})`;
}
