/**
 * The one way a test skips: with a reason code that scripts/test.sh counts from the TAP
 * output (`# SKIP [code] detail`) and that CI (CI=true) rejects unless docs/TESTING.md allows
 * it. A skip without a code counts as `uncoded` and is never allowed.
 */
export const SKIP_REASONS = {
  'no-native': 'the tensorflow backend is not built (bash scripts/build-native.sh)',
  'no-fashion-mnist': 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)',
  'no-chromium': 'Chromium is not installed (apt-get install chromium)',
  'no-graph-engine': 'the graph engine is not built (bash scripts/build-native.sh)',
  'no-mount-namespace': 'no private mount namespace here (unshare -m needs root)',
  'no-real-node': 'the real node cannot run here (scripts/k8s-testenv/up.sh)',
} as const;

export type SkipCode = keyof typeof SKIP_REASONS;

/**
 * The `skip` option of a test or describe: false when `missing` is null/undefined, else
 * "[code] reason: missing".
 */
export function skipWhen(code: SkipCode, missing: string | null | undefined): string | false {
  if (missing === null || missing === undefined) return false;
  return `[${code}] ${SKIP_REASONS[code]}: ${missing}`;
}
