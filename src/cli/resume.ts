/**
 * `netgrow resume <id>`: carry on with an experiment after Ctrl-C, a crash or a reboot — the
 * embedded server restarts on the experiment's SQLite file, workers start, and the workflow
 * goes on from its history (training resumes from its last checkpoint). A paused search is
 * resumed. With a cluster it follows the experiment (workers run elsewhere, or --workers).
 */
import { findExperiment } from '../experiment/experiment';
import type { CliContext } from './command';
import { EXPERIMENT_OPTIONS, experimentArgs, runExperiment } from './experiment-flags';

export const help = `netgrow resume <experimentId> [options] — continue an experiment where it stopped

  --storage <uri>             where the experiment is (default: ./runs, then NETGROW_HOME's record)
  --temporal-address <h:p>    a cluster (default: the experiment's config, TEMPORAL_ADDRESS, else embedded)
  --namespace <ns>, --temporal-tls-*, --temporal-api-key-file, --workers, --detach, --headless, --json   as for netgrow search`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const [id, values] = experimentArgs(args, 'resume', '[options]', {
    ...EXPERIMENT_OPTIONS,
    storage: { type: 'string' },
  });
  const record = await findExperiment(id, values.storage as string | undefined);
  return runExperiment(values, { record }, ctx);
}
