/**
 * How every `netgrow` command ends on an error: one line on stderr, `<prefix>: <what>`, and
 * the exit code the error model gives (2 input, 4 infrastructure). Anything that is not a
 * NetgrowError is a bug or an outage nobody named: said so, with the stack only on request.
 */
import { exitCodeOf, NetgrowError } from '../contracts/errors';

export function describeError(e: unknown): { line: string; code: number } {
  const message = e instanceof Error ? e.message : String(e);
  const line =
    e instanceof NetgrowError
      ? message
      : `internal error: ${message} (set NETGROW_DEBUG=1 for the stack trace)`;
  return { line, code: exitCodeOf(e) };
}

/** Prints the error as `<prefix>: <line>` and returns the exit code. */
export function reportError(e: unknown, prefix = 'netgrow'): number {
  const { line, code } = describeError(e);
  console.error(`${prefix}: ${line}`);
  if (process.env.NETGROW_DEBUG && e instanceof Error) console.error(e.stack);
  return code;
}
