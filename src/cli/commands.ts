/** The command table. Each module is loaded only when its command runs, so `--help` is fast. */
import { CliCommand } from './command';
import { version } from './version';

export const COMMANDS: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  version: {
    summary: 'print the version',
    load: async () => ({
      help: 'netgrow version — print the version',
      run: async () => {
        console.log(version());
        return 0;
      },
    }),
  },
};
