/**
 * `netgrow` — a thin shell: parse the command name, hand the rest to the command's module,
 * and turn any error into one clear line on stderr with a non-zero exit code.
 */
import { INPUT_ERROR_NAMES, OUTAGE_ERROR_NAMES } from '../errors';
import { UsageError } from './command';
import { COMMANDS } from './commands';
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

/** Known user-facing errors print as their message alone; anything else is a bug or an outage. */
export function describeError(e: unknown): { line: string; code: number } {
  if (!(e instanceof Error)) return { line: String(e), code: 4 };
  if (OUTAGE_ERROR_NAMES.includes(e.name)) return { line: e.message, code: 4 };
  if (INPUT_ERROR_NAMES.includes(e.name)) {
    return { line: e.message, code: e instanceof UsageError ? e.exitCode : 2 };
  }
  return { line: `internal error: ${e.message} (set NETGROW_DEBUG=1 for the stack trace)`, code: 4 };
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    console.log(version());
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`netgrow: unknown command '${name}'; commands are ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.help.trim());
    return 0;
  }
  return cmd.run(rest);
}

if (require.main === module || process.argv[1]?.endsWith('netgrow.js')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const { line, code } = describeError(e);
      console.error(`netgrow: ${line}`);
      if (process.env.NETGROW_DEBUG && e instanceof Error) console.error(e.stack);
      process.exitCode = code;
    },
  );
}
