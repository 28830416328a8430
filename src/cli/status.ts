/**
 * `netgrow status <id>`: where an experiment stands — Temporal's status of its workflow, the
 * search's status query (generation, running candidates with their epoch, best so far), the
 * leaderboard, and the result once it ended. With the embedded server not running, a
 * headless one is started on the experiment's SQLite file just to answer.
 */
import { experimentStatus, statusLines } from '../experiment/status';
import { experimentArgs, LOCATE_OPTIONS, openExperiment } from './experiment-flags';

export const help = `netgrow status <experimentId> [options] — an experiment's progress, best candidate and leaderboard

  --storage <uri>             where the experiment is (default: ./runs, then NETGROW_HOME's record)
  --temporal-address <h:p>    a cluster (default: the experiment's config, TEMPORAL_ADDRESS, else embedded)
  --namespace <ns>
  --json                      one JSON object: {experimentId, workflowStatus, status, running, leaderboard, result}`;

export async function run(args: string[]): Promise<number> {
  const [id, values] = experimentArgs(args, 'status', '[--json]', {
    ...LOCATE_OPTIONS,
    json: { type: 'boolean' },
  });
  const { record, session } = await openExperiment(id, values);
  try {
    const report = await experimentStatus(session.client, record);
    if (values.json) console.log(JSON.stringify(report));
    else console.log(statusLines(report, record).join('\n'));
    return 0;
  } finally {
    await session.close();
  }
}
