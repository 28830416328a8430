/**
 * How every `netgrow` command ends on an error: one line on stderr, `<prefix>: <what>`, and
 * the exit code the error model gives (2 input, 4 infrastructure). Anything that is not a
 * NetgrowError is a bug or an outage nobody named: said so, with the stack only on request.
 * Messages quote what the user typed (ids, paths, commands), so every line goes through
 * `oneLine`: a newline in an id cannot forge a second line, nor an escape sequence drive the
 * terminal, nor a 200 KB argument flood it; a list of problems prints at most MAX_PROBLEMS.
 */
import { exitCodeOf, NetgrowError } from '../contracts/errors';
import { ConfigError } from '../search/config-errors';
import { SpecError } from '../train/spec-errors';

/** The longest line an error prints; the rest is counted, not shown. */
export const MAX_LINE = 500;

// C0 and C1 controls, DEL, the Unicode line/paragraph separators and bidi overrides.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' };

/** What a cut line keeps of its end: the reason and the fix, which follow what was quoted. */
export const KEPT_TAIL = 160;

/**
 * `text` as one printable line: control characters escaped, at most `max` characters of it
 * shown. A longer line loses its middle, not its end: a message quotes the input first and
 * says what was expected after it.
 */
export function oneLine(text: string, max = MAX_LINE): string {
  const safe = text.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (safe.length <= max) return safe;
  const tail = Math.min(KEPT_TAIL, Math.floor(max / 2));
  const head = max - tail;
  return `${safe.slice(0, head)}… (${safe.length - max} characters left out) …${safe.slice(safe.length - tail)}`;
}

/**
 * Lines of the command's own output that quote what a run met (a workflow's failure, a
 * candidate's command): each line escaped and capped like an error line, the newlines between
 * them kept.
 */
export function printable(text: string): string {
  return text
    .split('\n')
    .map((l) => oneLine(l))
    .join('\n');
}

/** The most problems an error lists, one line each; the rest are counted. */
export const MAX_PROBLEMS = 10;

/** Errors that list several problems print one line per problem, under their first line. */
function problemsOf(e: unknown): string[] | null {
  if (e instanceof ConfigError && e.problems.length > 1) return e.problems;
  if (e instanceof SpecError && e.issues.length > 1) return e.issues;
  return null;
}

export function describeError(e: unknown): { line: string; code: number } {
  const message = e instanceof Error ? e.message : String(e);
  const problems = problemsOf(e);
  const line = problems
    ? [
        oneLine(message.split('\n')[0]),
        ...problems.slice(0, MAX_PROBLEMS).map((p) => `  ${oneLine(p)}`),
        ...(problems.length > MAX_PROBLEMS ? [`  … and ${problems.length - MAX_PROBLEMS} more`] : []),
      ].join('\n')
    : e instanceof NetgrowError
      ? oneLine(message)
      : `internal error: ${oneLine(message)} (set NETGROW_DEBUG=1 for the stack trace)`;
  return { line, code: exitCodeOf(e) };
}

/** Prints the error as `<prefix>: <line>` and returns the exit code. */
export function reportError(e: unknown, prefix = 'netgrow'): number {
  const { line, code } = describeError(e);
  console.error(`${prefix}: ${line}`);
  if (process.env.NETGROW_DEBUG && e instanceof Error) console.error(e.stack);
  return code;
}
