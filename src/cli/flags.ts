/**
 * The one flag layer of every `netgrow` command: node's parseArgs with netgrow's error
 * wording (one line, pointing at the command's --help), and the integer checks commands share.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../contracts/errors';

export type FlagOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];
export type Flags = Record<string, string | boolean | undefined>;

export function parseFlags<O extends FlagOptions>(args: string[], command: string, options: O) {
  try {
    return parseArgs({ args, options, strict: true as const, allowPositionals: false as const }).values;
  } catch (e) {
    // node's messages can run over several lines; the first says what was wrong.
    throw new UsageError(
      `${(e as Error).message.split('\n')[0].replace(/\.$/, '')}; see netgrow ${command} --help`,
    );
  }
}
