/**
 * The end of scripts/test.sh: the 20 slowest test files and tests, the skips by reason, and the
 * closing line, from the JSON lines of scripts/test/events-reporter.mjs. Under CI=true a skip
 * whose reason code is not in docs/TESTING.md's allow-list fails the run: CI must not pass
 * over a feature that is missing on the machine.
 *
 * Usage: tsx scripts/test/summary.ts --passed N --failed N [--ci] EVENTS.jsonl...
 * Exit 0, or 1 when --ci and a skip is not allowed.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface Finished {
  kind: 'file' | 'suite' | 'test';
  file: string | null;
  name?: string;
  nesting?: number;
  ms: number;
  ok?: boolean;
  skip?: string | null;
  todo?: boolean;
}

const ROOT = join(__dirname, '..', '..');
const TESTING = join(ROOT, 'docs', 'TESTING.md');

/** The codes listed under "## Skips allowed in CI" in docs/TESTING.md (`- \`code\`: why`). */
export function allowedSkips(markdown: string): Set<string> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Skips allowed in CI'));
  if (!section) throw new Error('docs/TESTING.md has no "## Skips allowed in CI" section');
  return new Set([...section.matchAll(/^- `([a-z0-9-]+)`/gm)].map((m) => m[1]));
}

/** The reason code of a skip message, `[no-native] …` → `no-native`; `uncoded` without one. */
export function skipCode(message: string): string {
  return /^\[([a-z0-9-]+)\]/.exec(message)?.[1] ?? 'uncoded';
}

export function readEvents(files: string[]): Finished[] {
  return files.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Finished),
  );
}

const where = (file: string | null): string => (file ? relative(ROOT, file) : '?');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1).padStart(7)} s`;

/** The report lines and whether CI must fail. */
export function summarize(
  events: Finished[],
  counts: { passed: number; failed: number },
  ci: boolean,
  allowed: Set<string>,
): { lines: string[]; fail: boolean } {
  const lines: string[] = [];
  const files = events.filter((e) => e.kind === 'file').sort((a, b) => b.ms - a.ms);
  lines.push(`== slowest ${Math.min(20, files.length)} files`);
  for (const f of files.slice(0, 20)) lines.push(`${seconds(f.ms)}  ${where(f.file)}`);
  const tests = events.filter((e) => e.kind === 'test' && e.skip === null).sort((a, b) => b.ms - a.ms);
  lines.push(`== slowest ${Math.min(20, tests.length)} tests`);
  for (const t of tests.slice(0, 20)) lines.push(`${seconds(t.ms)}  ${where(t.file)}: ${t.name}`);

  const skipped = events.filter((e) => e.kind !== 'file' && e.skip !== null && e.skip !== undefined);
  const byCode = new Map<string, Finished[]>();
  for (const s of skipped) {
    const code = skipCode(s.skip!);
    byCode.set(code, [...(byCode.get(code) ?? []), s]);
  }
  let fail = false;
  for (const [code, list] of byCode) {
    const first = list[0];
    const allowedHere = allowed.has(code);
    lines.push(
      `skipped (${code}): ${list.length}${allowedHere ? ' (allowed)' : ''}, e.g. ${where(first.file)}: ${first.skip}`,
    );
    if (ci && !allowedHere) {
      lines.push(`CI: ${list.length} test(s) skipped for '${code}', which docs/TESTING.md does not allow`);
      fail = true;
    }
  }
  lines.push(`tests: ${counts.passed} passed, ${counts.failed} failed, ${skipped.length} skipped`);
  return { lines, fail };
}

function main(argv: string[]): number {
  let passed = 0;
  let failed = 0;
  let ci = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--passed') passed = Number(argv[++i]);
    else if (argv[i] === '--failed') failed = Number(argv[++i]);
    else if (argv[i] === '--ci') ci = true;
    else files.push(argv[i]);
  }
  const { lines, fail } = summarize(
    readEvents(files),
    { passed, failed },
    ci,
    allowedSkips(readFileSync(TESTING, 'utf8')),
  );
  console.log(lines.join('\n'));
  return fail ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
