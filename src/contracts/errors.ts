/**
 * netgrow's one error model. Every error netgrow raises on purpose is a NetgrowError with a
 * machine-readable `code` (tests assert codes, not wording) and a `kind`:
 *   - `input`: something the user can fix (a config, a spec, a command, a damaged file); the
 *     message says what. Retrying cannot help.
 *   - `infrastructure`: an outage (storage, the Temporal server, a lost process); a retry may.
 * The CLI's exit codes, the activities' retry behaviour and the workflows' non-retryable
 * failures are all derived from `kind` here, so a new error class is classified once.
 */

export type ErrorKind = 'input' | 'infrastructure';

export abstract class NetgrowError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly kind: ErrorKind,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Exit codes of every `netgrow` command (the README documents them). */
export const EXIT = {
  ok: 0,
  /** A search or grow workflow failed or was cancelled. */
  failed: 1,
  input: 2,
  /** `netgrow train`: the run diverged (the search retries it with adjusted hyperparameters). */
  diverged: 3,
  infrastructure: 4,
  interrupted: 130,
} as const;

/** A command-line mistake: printed as one line, exit 2 (or the code given). */
export class UsageError extends NetgrowError {
  readonly code = 'usage';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.input,
  ) {
    super(message, exitCode === EXIT.infrastructure ? 'infrastructure' : 'input');
    this.name = 'UsageError';
  }
}

export function isInputError(e: unknown): e is NetgrowError {
  return e instanceof NetgrowError && e.kind === 'input';
}

/** The exit code of a command that ended with `e`; anything not a NetgrowError is a bug or an outage. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return e.exitCode;
  return isInputError(e) ? EXIT.input : EXIT.infrastructure;
}

/**
 * The Temporal failure type of an input error that has no class of its own (an executor's
 * bad_input). Input failures are raised non-retryable by the activities; the retry policies
 * also list this type, for failures raised elsewhere.
 */
export const BAD_INPUT = 'BadInput';

/**
 * The failure type of a training run that ran out of memory: killed for it (a pod's
 * OOMKilled), or its backend could not allocate a tensor (`netgrow train` exit 5). Retryable like any outage; a candidate workflow whose config lowers the
 * batch size on OOM (`oom.retries`) takes it from Temporal's retries and retries itself.
 */
export const TRAIN_OUT_OF_MEMORY = 'TrainOutOfMemory';

/**
 * The failure type of a mutation that found no feasible command under the search's limits
 * (`mutation.maxFlops`, the kinds' weights): the parent's architecture cannot grow further
 * under them, so the search draws no more grown children from it (src/search/saturation.ts).
 */
export const NO_FEASIBLE_MUTATION = 'NoFeasibleMutation';
