/**
 * `netgrow status <id>`: where an experiment stands — Temporal's status of its workflow, the
 * search's status query (generation, running candidates with their epoch, best so far), the
 * leaderboard, and the result once it ended. With the embedded server not running, a
 * headless one is started on the experiment's SQLite file just to answer.
 */
import { TEMPORAL_AUTH_HELP } from '../temporal/connection';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ExperimentRecord } from '../experiment/experiment';
import type { TemporalSession } from '../experiment/session';
import { experimentStatus, statusLines } from '../experiment/status';
import { interruptSignal } from './terminal';
import { UsageError } from '../contracts/errors';
import { experimentArgs, LOCATE_OPTIONS, openExperiment } from './experiment-flags';
import { faultLines, watchLoop } from './status-watch';

export const help = `netgrow status <experimentId> [options] — an experiment's progress, best candidate and leaderboard

  --storage <uri>             where the experiment is (default: ./runs, then NETGROW_HOME's record)
  --temporal-address <h:p>    a cluster (default: the experiment's config, TEMPORAL_ADDRESS, else embedded)
  --namespace <ns>
${TEMPORAL_AUTH_HELP}
  --json                      one JSON object: {experimentId, workflowStatus, status, running, leaderboard, result}
  --watch                     keep it on screen until the experiment ends: leaderboard, running candidates
                              (epoch, accuracy), faults and retries; redrawn in place on a terminal,
                              changed blocks as plain lines elsewhere
  --interval <seconds>        how often --watch re-reads (default 2)`;

export async function run(args: string[]): Promise<number> {
  const [id, values] = experimentArgs(args, 'status', '[--json] [--watch]', {
    ...LOCATE_OPTIONS,
    json: { type: 'boolean' },
    watch: { type: 'boolean' },
    interval: { type: 'string' },
  });
  const interval = values.interval === undefined ? 2 : Number(values.interval);
  if (!(interval >= 0.1))
    throw new UsageError(`--interval must be a number of seconds >= 0.1, received '${values.interval}'`);
  if (values.watch && values.json)
    throw new UsageError('--watch draws for people; use --json without it for one snapshot');
  const opened = await openExperiment(id, values);
  const { record } = opened;
  let session = opened.session;
  try {
    if (values.watch) {
      const interrupt = interruptSignal();
      const tty = process.stdout.isTTY && !process.env.NETGROW_PLAIN;
      const read = () => statusOf(session, record);
      try {
        await watchLoop(
          async () => {
            const report = await read().catch(async () => {
              // The search's own embedded server stops when it ends: open the experiment
              // again (a headless server on its SQLite file) and read once more.
              await session.close().catch(() => undefined);
              session = (await openExperiment(id, values)).session;
              return read();
            });
            const lines = [...statusLines(report, record), ...faultLines(report)];
            return { lines, done: report.workflowStatus !== 'RUNNING' };
          },
          {
            intervalMs: interval * 1000,
            columns: tty ? (process.stdout.columns ?? 80) : undefined,
            write: (t) => void process.stdout.write(t),
            signal: interrupt.signal,
          },
        );
      } finally {
        interrupt.dispose();
      }
      return 0;
    }
    const report = await statusOf(session, record);
    if (values.json) console.log(JSON.stringify(report));
    else console.log(statusLines(report, record).join('\n'));
    return 0;
  } finally {
    await session.close();
  }
}

/** The experiment's status; one that Temporal has no workflow for is an input problem, not an outage. */
async function statusOf(session: TemporalSession, record: ExperimentRecord) {
  try {
    return await experimentStatus(session.client, record);
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
    throw new UsageError(
      `no such ${record.kind} on Temporal ${session.address} (namespace ${session.namespace}): ` +
        `${record.id} has files in ${record.experimentUri} but its workflow never started there ` +
        `(or it ran on another server: --temporal-address); netgrow resume ${record.id} starts it`,
    );
  }
}
