/**
 * How an activity's error reaches Temporal. A mistake in the input (a refused command, a bad
 * spec, an unknown dataset, a damaged checkpoint: a NetgrowError of kind `input`) fails the
 * same way on every retry, so it becomes a non-retryable ApplicationFailure typed with its
 * class name (or a type the workflow acts on: failureType); an outage (storage, a lost
 * process) stays retryable and Temporal's policy retries it. The kind comes from the one error
 * model in src/contracts/errors.ts.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { ExecutorError } from '../src/executor/executor';
import { BAD_INPUT, isInputError, NO_FEASIBLE_MUTATION, TRAIN_OUT_OF_MEMORY } from '../src/contracts/errors';
import { MorphError } from '../src/morph/errors';

export function badInput(message: string, type = BAD_INPUT): ApplicationFailure {
  return withShortStack(ApplicationFailure.nonRetryable(fitFailure(message), type));
}

/**
 * The Temporal server keeps an activity's last failure only up to a size limit
 * (`limit.mutableStateActivityFailureSize.error`, 4 KiB by default, message and stack trace
 * together) and replaces a larger one with "Failure exceeds size limit.", which loses the
 * reason and the log tail that history should show. So a message is cut in the middle to
 * FAILURE_MESSAGE_BYTES: its head (what failed) and its end (the newest log lines) stay; the
 * whole log tail is in the run's folder (`pods/<pod>.log`). And the stack keeps only its
 * frames (withShortStack), since its first line would repeat the whole message.
 */
export const FAILURE_MESSAGE_BYTES = 2048;
const STACK_FRAMES = 8;

export function withShortStack<E extends Error>(error: E): E {
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const firstLine = error.message.split('\n', 1)[0].slice(0, 200);
  error.stack = [`${error.name}: ${firstLine}`, ...frames.slice(0, STACK_FRAMES)].join('\n');
  return error;
}

export function fitFailure(message: string): string {
  if (Buffer.byteLength(message) <= FAILURE_MESSAGE_BYTES) return message;
  const head = Buffer.from(message)
    .subarray(0, FAILURE_MESSAGE_BYTES / 2)
    .toString();
  const end = Buffer.from(message)
    .subarray(-FAILURE_MESSAGE_BYTES / 2 + 40)
    .toString();
  const cut = Buffer.byteLength(message) - Buffer.byteLength(head) - Buffer.byteLength(end);
  // A multi-byte character split by the cut decodes as U+FFFD; drop those halves.
  return `${head.replace(/\uFFFD$/, '')}\n[… ${cut} bytes cut …]\n${end.replace(/^\uFFFD/, '')}`;
}

/** Rethrows `e` as Temporal should see it; `what` prefixes the message (`mutate g1-c0`). */
export function asActivityFailure(e: unknown, what: string): never {
  if (e instanceof ApplicationFailure) throw e;
  if (isInputError(e)) throw badInput(`${what}: ${e.message}`, failureType(e));
  throw e;
}

/**
 * An input error's failure type: its class name, except where the workflow acts on the kind:
 * a mutation with no feasible command tells the search that the parent cannot grow.
 */
function failureType(e: Error): string {
  return e instanceof MorphError && e.code === 'no_feasible_command' ? NO_FEASIBLE_MUTATION : e.name;
}

/** Runs `fn`, turning input errors into non-retryable failures. */
export async function failingClearly<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    return asActivityFailure(e, what);
  }
}

/**
 * Rethrows an executor's error as Temporal should see it: a cancelled run as cancellation,
 * bad input non-retryable, an infrastructure failure retryable under `infrastructureType`
 * (`TrainOutOfMemory` when the run was killed for memory, so a workflow can tell). The
 * device-seconds the run used, where measured, go along as the failure's details
 * (`{deviceSeconds}`): a run that ends in failure used its GPUs too.
 */
export function asExecutorFailure(e: unknown, infrastructureType: string): never {
  if (e instanceof ExecutorError) {
    if (e.code === 'cancelled') throw new CancelledFailure(e.message);
    const details = e.deviceSeconds !== undefined ? [{ deviceSeconds: e.deviceSeconds }] : [];
    const message = fitFailure(e.message);
    if (e.code === 'bad_input') {
      throw withShortStack(ApplicationFailure.nonRetryable(message, BAD_INPUT, ...details));
    }
    const type = e.outOfMemory ? TRAIN_OUT_OF_MEMORY : infrastructureType;
    throw withShortStack(ApplicationFailure.retryable(message, type, ...details));
  }
  throw e;
}
