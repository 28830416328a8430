/** The shape of one `netgrow <command>` module: a help text and a run function. */
export interface CliCommand {
  help: string;
  /** Returns the process exit code. Throws only for errors that should print as one line. */
  run(args: string[]): Promise<number>;
}
