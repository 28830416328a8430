/**
 * Choosing rows: the `limit` subset of the training set and the validation hold-out, both
 * stratified (every class keeps its share, up to rounding) and seeded, so the same (spec, seed)
 * picks the same rows on every machine. Rows come back in ascending order.
 */
import { DatasetError } from './errors';
import { DataRng } from './rng';

/** Splits `rows` into `take` rows (stratified by label) and the rest. */
export function stratifiedPick(
  rows: Int32Array,
  labels: Int32Array,
  take: number,
  rng: DataRng,
): { taken: Int32Array; rest: Int32Array } {
  if (take >= rows.length) return { taken: rows.slice(), rest: new Int32Array(0) };
  if (take <= 0) return { taken: new Int32Array(0), rest: rows.slice() };
  const groups = new Map<number, number[]>();
  for (const r of rows) {
    const g = groups.get(labels[r]);
    if (g) g.push(r);
    else groups.set(labels[r], [r]);
  }
  const classes = [...groups.keys()].sort((a, b) => a - b);
  // Largest-remainder apportionment: floors first, the leftover to the largest fractions.
  const exact = classes.map((k) => (take * groups.get(k)!.length) / rows.length);
  const quota = exact.map(Math.floor);
  const order = classes.map((_, i) => i).sort((a, b) => exact[b] - quota[b] - (exact[a] - quota[a]) || a - b);
  for (let left = take - quota.reduce((a, b) => a + b, 0), i = 0; left > 0; left--, i++) quota[order[i]]++;
  const taken: number[] = [];
  const rest: number[] = [];
  classes.forEach((k, i) => {
    const group = rng.shuffle(groups.get(k)!);
    taken.push(...group.slice(0, quota[i]));
    rest.push(...group.slice(quota[i]));
  });
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { taken: sorted(taken), rest: sorted(rest) };
}

/** How many training images `limit` means: a fraction (0, 1] or a whole count above 1. */
export function limitCount(limit: number, available: number, dataset: string): number {
  if (!(limit > 0)) throw new DatasetError('bad-spec', `dataset limit must be positive, received ${limit}`);
  if (limit <= 1) return Math.max(1, Math.round(limit * available));
  if (!Number.isInteger(limit)) {
    throw new DatasetError(
      'bad-spec',
      `dataset limit ${limit} must be a fraction ≤ 1 or a whole number of images`,
    );
  }
  if (limit > available) {
    throw new DatasetError(
      'bad-spec',
      `dataset limit ${limit} exceeds the ${available} training images of ${dataset}; use at most ${available} or a fraction`,
    );
  }
  return limit;
}

/** How many of `count` images the validation fraction holds out: at least one when asked for any. */
export function validationCount(fraction: number, count: number, dataset: string): number {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new DatasetError('bad-spec', `validation must be a fraction in [0, 1), received ${fraction}`);
  }
  if (fraction === 0) return 0;
  const n = Math.max(1, Math.round(fraction * count));
  if (count - n < 1) {
    throw new DatasetError(
      'bad-spec',
      `validation ${fraction} of ${count} ${dataset} images leaves none to train on; raise limit or lower validation`,
    );
  }
  return n;
}
