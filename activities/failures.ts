/**
 * How an activity's error reaches Temporal. A mistake in the input (a refused command, a bad
 * spec, an unknown dataset, a damaged checkpoint) fails the same way on every retry, so it
 * becomes a non-retryable ApplicationFailure whose type is listed in NON_RETRYABLE_ERRORS; an
 * outage (storage, a lost process) stays retryable and Temporal's policy retries it.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { INPUT_ERROR_NAMES } from '../src/errors';
import { NON_RETRYABLE_ERRORS } from '../src/temporal/config';

/** The failure type of an input error: its own class name when listed, else `BadInput`. */
export function inputFailureType(name: string): string {
  return NON_RETRYABLE_ERRORS.includes(name) ? name : 'BadInput';
}

export function badInput(message: string, type = 'BadInput'): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, inputFailureType(type));
}

/** Rethrows `e` as Temporal should see it; `what` prefixes the message (`mutate g1-c0`). */
export function asActivityFailure(e: unknown, what: string): never {
  if (e instanceof ApplicationFailure) throw e;
  if (e instanceof Error && INPUT_ERROR_NAMES.includes(e.name))
    throw badInput(`${what}: ${e.message}`, e.name);
  throw e;
}

/** Runs `fn`, turning input errors into non-retryable failures. */
export async function failingClearly<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    return asActivityFailure(e, what);
  }
}
