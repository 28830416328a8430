/**
 * `netgrow report <id>`: (re)render an experiment's HTML report from what its storage holds —
 * for a running search, a cancelled one, or after the search wrote its own at the end.
 */
import { findExperiment } from '../experiment/experiment';
import { describeReportOutcome, renderExperimentReport } from './report-render';
import { UsageError } from '../contracts/errors';
import { parseFlags } from './flags';

export const help = `netgrow report <experimentId> [options] — write report/index.html of an experiment

  --storage <uri>   the storage root holding experiments/ (default: the experiment's, found in ./runs
                    or NETGROW_HOME's record)
  --curves <n>      learning curves of the best n candidates (default 5)
  --json            one JSON object: {uri, path, keys, notes}`;

export async function run(args: string[]): Promise<number> {
  const [id, ...rest] = args;
  if (!id || id.startsWith('-')) throw new UsageError('usage: netgrow report <experimentId> [options]');
  const values = parseFlags(rest, 'report', {
    storage: { type: 'string' },
    curves: { type: 'string' },
    json: { type: 'boolean' },
  });
  const curves = values.curves === undefined ? undefined : Number(values.curves);
  if (curves !== undefined && (!Number.isInteger(curves) || curves < 0)) {
    throw new UsageError(`--curves must be a whole number, received '${values.curves}'`);
  }
  const storage = values.storage ?? (await findExperiment(id)).storage;
  const outcome = await renderExperimentReport({ storage, experimentId: id, curves });
  console.log(values.json ? JSON.stringify(outcome) : describeReportOutcome(outcome));
  return 0;
}
