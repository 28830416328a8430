import type { StartLocalWorkers } from '../contracts/workers';

/** The shape of one `netgrow <command>` module: a help text and a run function. */
export interface CliCommand {
  help: string;
  /** Returns the process exit code. Throws only for errors that should print as one line. */
  run(args: string[], ctx: CliContext): Promise<number>;
}

/** What the program's entry point hands every command. */
export interface CliContext {
  /**
   * Starts netgrow's workers in this process (worker/, loaded on first use): the embedded mode
   * and `netgrow worker` run them. Handed down by bin/netgrow.js, so no module in src/ imports
   * the worker entry.
   */
  startWorkers: StartLocalWorkers;
}
