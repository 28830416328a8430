/**
 * `netgrow status <id>`: where an experiment stands — Temporal's status of its workflow, the
 * search's status query (generation, running candidates with their epoch, best so far), the
 * leaderboard, and the result once it ended. With the embedded server not running, a
 * headless one is started on the experiment's SQLite file just to answer.
 */
import { parseArgs } from 'node:util';
import { findExperiment, localStateDir } from '../orchestrate/experiment';
import { quietTemporalRuntime } from '../orchestrate/runtime';
import { openTemporal, temporalTarget } from '../orchestrate/session';
import { experimentStatus, statusLines } from '../orchestrate/status';
import { UsageError } from './command';

export const help = `netgrow status <experimentId> [options] — an experiment's progress, best candidate and leaderboard

  --storage <uri>             where the experiment is (default: ./runs, then NETGROW_HOME's record)
  --temporal-address <h:p>    a cluster (default: the experiment's config, TEMPORAL_ADDRESS, else embedded)
  --namespace <ns>
  --json                      one JSON object: {experimentId, workflowStatus, status, running, leaderboard, result}`;

export async function run(args: string[]): Promise<number> {
  const [id, ...rest] = args;
  if (!id || id.startsWith('-')) throw new UsageError('usage: netgrow status <experimentId> [--json]');
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        storage: { type: 'string' },
        'temporal-address': { type: 'string' },
        namespace: { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; see netgrow status --help`);
  }
  const record = await findExperiment(id, values.storage);
  quietTemporalRuntime();
  const session = await openTemporal(
    temporalTarget(
      { address: values['temporal-address'], namespace: values.namespace },
      record.config.temporal,
    ),
    { stateDir: localStateDir(record.storage, record.id) },
  );
  try {
    const report = await experimentStatus(session.client, record);
    if (values.json) console.log(JSON.stringify(report));
    else console.log(statusLines(report, record).join('\n'));
    return 0;
  } finally {
    await session.close();
  }
}
