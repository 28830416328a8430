/** Small statistics shared by the training loop's divergence check and the benchmarks. */

/** The median of a non-empty list (the mean of the middle two for an even count); the list is not changed. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
