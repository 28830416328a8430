/** Colours: an accuracy ramp for the lineage tree and a categorical palette for curves. */

// ColorBrewer RdYlGn, light end-stops so that black text stays readable on every fill.
const RAMP: ReadonlyArray<readonly [number, number, number]> = [
  [0xf4, 0x6d, 0x43],
  [0xfd, 0xae, 0x61],
  [0xfe, 0xe0, 0x8b],
  [0xa6, 0xd9, 0x6a],
  [0x66, 0xbd, 0x63],
];

const hex = (v: number): string => Math.round(v).toString(16).padStart(2, '0');

/** The ramp at t in [0, 1] (clamped): red for the worst, green for the best. */
export function rampColor(t: number): string {
  const x = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = x * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(pos));
  const f = pos - i;
  const [a, b] = [RAMP[i], RAMP[i + 1]];
  return `#${[0, 1, 2].map((k) => hex(a[k] + (b[k] - a[k]) * f)).join('')}`;
}

/** A value's colour relative to the experiment's range of values; grey when unknown. */
export function metricColor(value: number | null, lo: number, hi: number): string {
  if (value === null || !Number.isFinite(value)) return UNKNOWN_FILL;
  return rampColor(hi > lo ? (value - lo) / (hi - lo) : 1);
}

export const UNKNOWN_FILL = '#e0e0e0';

// Tableau 10: distinguishable, and still distinct for the common kinds of colour blindness.
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

export function seriesColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}
