/**
 * `netgrow resume <id>`: carry on with an experiment after Ctrl-C, a crash or a reboot — the
 * embedded server restarts on the experiment's SQLite file, workers start, and the workflow
 * goes on from its history (training resumes from its last checkpoint). A paused search is
 * resumed. With a cluster it follows the experiment (workers run elsewhere, or --workers).
 */
import { findExperiment } from '../orchestrate/experiment';
import { followExperiment } from '../orchestrate/run';
import { temporalTarget } from '../orchestrate/session';
import { interruptSignal, terminalIO } from '../orchestrate/terminal';
import { parseFlags } from './search';
import { UsageError } from './command';

export const help = `netgrow resume <experimentId> [options] — continue an experiment where it stopped

  --storage <uri>             where the experiment is (default: ./runs, then NETGROW_HOME's record)
  --temporal-address <h:p>    a cluster (default: the experiment's config, TEMPORAL_ADDRESS, else embedded)
  --namespace <ns>, --workers, --detach, --headless, --json   as for netgrow search`;

export async function run(args: string[]): Promise<number> {
  const [id, ...rest] = args;
  if (!id || id.startsWith('-')) throw new UsageError('usage: netgrow resume <experimentId> [options]');
  const values = parseFlags(rest, 'resume', { storage: { type: 'string' } });
  const record = await findExperiment(id, values.storage as string | undefined);
  const json = values.json === true;
  const interrupt = interruptSignal();
  try {
    const outcome = await followExperiment(record, {
      target: temporalTarget(
        { address: values['temporal-address'], namespace: values.namespace },
        record.config.temporal,
      ),
      io: terminalIO({ json }),
      localWorkers: values.workers === true,
      detach: values.detach === true,
      headless: values.headless === true,
      interrupt: interrupt.signal,
    });
    if (json) console.log(JSON.stringify(outcome));
    return outcome.code;
  } finally {
    interrupt.dispose();
  }
}
