/**
 * `netgrow cancel <id>`: cancel an experiment's workflow. Cancellation reaches every running
 * candidate, whose training processes are stopped (not left running unobserved); what was
 * trained stays in storage. An embedded experiment that no process runs gets workers here
 * for as long as its cancellation takes.
 */
import { TEMPORAL_AUTH_HELP } from '../temporal/connection';
import { CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { displayUri } from '../experiment/run';
import type { NetgrowWorkers } from '../contracts/workers';
import type { CliContext } from './command';
import { experimentArgs, LOCATE_OPTIONS, openExperiment } from './experiment-flags';

export const help = `netgrow cancel <experimentId> [options] — cancel an experiment (running training stops)

  --storage <uri>             where the experiment is (default: ./runs, then NETGROW_HOME's record)
  --temporal-address <h:p>    a cluster (default: the experiment's config, TEMPORAL_ADDRESS, else embedded)
  --namespace <ns>
${TEMPORAL_AUTH_HELP}
  --no-wait                   request the cancellation and return

To end a search gracefully instead (finish the running candidates, write the report), send it the
stop signal: temporal workflow signal --workflow-id <experimentId> --name stop`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const [id, values] = experimentArgs(args, 'cancel', '[options]', {
    ...LOCATE_OPTIONS,
    'no-wait': { type: 'boolean' },
  });
  const { record, session } = await openExperiment(id, values);
  let workers: NetgrowWorkers | null = null;
  try {
    const handle = session.client.workflow.getHandle(record.id);
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') {
      console.log(`${record.id} is not running (${status.name.toLowerCase()}); nothing to cancel`);
      return 0;
    }
    await handle.cancel();
    console.log(`cancellation of ${record.id} requested`);
    if (values['no-wait']) return 0;
    if (session.server) {
      // This process started the embedded server, so no worker runs the workflow: be one.
      workers = await ctx.startWorkers({
        connection: await session.nativeConnection(),
        namespace: session.namespace,
        executor: record.config.executor.kind === 'inprocess' ? 'inprocess' : 'process',
        parallelism: record.config.executor.parallelism,
      });
    }
    try {
      await handle.result();
      console.log(`${record.id} finished before the cancellation reached it`);
    } catch (e) {
      if (!(e instanceof WorkflowFailedError && e.cause instanceof CancelledFailure)) throw e;
      console.log(`${record.id} cancelled; its files stay in ${displayUri(record.experimentUri)}`);
    }
    return 0;
  } finally {
    if (workers) await workers.shutdown();
    await session.close();
  }
}
