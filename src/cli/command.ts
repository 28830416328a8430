/** The shape of one `netgrow <command>` module: a help text and a run function. */
export interface CliCommand {
  help: string;
  /** Returns the process exit code. Throws only for errors that should print as one line. */
  run(args: string[]): Promise<number>;
}

/** An error the user can fix: printed as one line (no stack), exit code 2 unless given. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
