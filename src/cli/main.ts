/**
 * `netgrow` — a thin shell: parse the command name, hand the rest to the command's module,
 * and turn any error into one clear line on stderr with a non-zero exit code.
 */
import type { CliContext } from './command';
import { COMMANDS } from './commands';
import { UsageError } from '../contracts/errors';
import { reportError } from './errors';
import { version } from './version';

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'netgrow — grow trained neural networks by function-preserving transformations',
    '',
    'usage: netgrow <command> [options]     (netgrow <command> --help for its options)',
    '',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    '',
    'environment: NETGROW_BACKEND=tensorflow|wasm|cpu, NETGROW_DATA=<dataset folder>, NETGROW_DEBUG=1 (stack traces)',
  ].join('\n');
}

export async function main(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    // No command is a mistake, said in one line on stderr like every other (exit 2); the usage
    // goes to stdout, where a person reads it and a script's error log stays one line.
    console.log(usage());
    return reportError(
      new UsageError('no command given: netgrow <command> [options]; netgrow --help lists the commands'),
    );
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  if (name === '--version') {
    console.log(version());
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined; // not `constructor`
  if (!entry) {
    return reportError(
      new UsageError(`unknown command '${name}'; commands are ${Object.keys(COMMANDS).join(', ')}`),
    );
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.help.trim());
    return 0;
  }
  return cmd.run(rest, ctx);
}

/** Runs the command line and sets the process's exit code; bin/netgrow.js calls this. */
export function runMain(argv: string[], ctx: CliContext): Promise<void> {
  return main(argv, ctx).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.exitCode = reportError(e);
    },
  );
}
