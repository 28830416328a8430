/**
 * `netgrow search --config <file>`: validate the config (every problem, with its path), then
 * run the search to its report — on the embedded Temporal dev server with workers in this
 * process, or on a cluster when an address is configured.
 */
import { TEMPORAL_AUTH_HELP } from '../temporal/connection';
import type { SearchConfig } from '../search/config';
import { loadSearchFile, prepareExperiment } from '../experiment/prepare';
import { checkCluster, checkWorkerPolicy } from './executor-check';
import { UsageError } from '../contracts/errors';
import type { CliContext } from './command';
import {
  checkFollowFlags,
  EXPERIMENT_OPTIONS,
  flagTarget,
  type ExperimentFlags,
  type Flags,
  runExperiment,
} from './experiment-flags';
import { parseFlags } from './flags';
import { redactUri } from '../storage';

export const help = `netgrow search --config <file> [options] — run a search (GA, random, hill climbing) on Temporal

  --config <file>             the search config, YAML or JSON (every field but name has a default)
  --check                     validate the config and exit: 0 when it is valid, 2 with every problem;
                              with a kubernetes executor it asks the cluster too (the namespace exists,
                              the kubeconfig's identity may make every call the executor makes there)
  --worker-config <file>      the --executor-config of the worker that will run the search: refuse here
                              the executor fields that worker does not let a search set (allowSearch)
  --parallelism <n>           training runs at once (overrides executor.parallelism)
  --temporal-address <h:p>    a Temporal cluster's frontend (else temporal.address, TEMPORAL_ADDRESS;
                              with none, an embedded dev server keeps its SQLite file in the experiment folder)
  --namespace <ns>            the cluster's namespace (else temporal.namespace, TEMPORAL_NAMESPACE)
${TEMPORAL_AUTH_HELP}
  --workers                   with a cluster: also run workers in this process
  --detach                    start the search and return (with a cluster, or with --workers elsewhere)
  --headless                  no Temporal Web UI for the embedded server
  --json                      the outcome as one JSON object on stdout (progress goes to stderr)

Ctrl-C stops the workers (running training checkpoints) and the server, and keeps everything:
\`netgrow resume <id>\` continues. S3 storage takes its endpoint and keys from the environment
(AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, …); they never enter Temporal.
exit codes: 0 finished, 1 the search failed, was cancelled or trained no candidate to completion (the
common reason is printed), 2 a bad config, 4 an outage, 130 interrupted`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const values = parseFlags(args, 'search', {
    ...EXPERIMENT_OPTIONS,
    config: { type: 'string' },
    check: { type: 'boolean' },
    'worker-config': { type: 'string' },
  });
  const file = values.config as string | undefined;
  if (!file) throw new UsageError('--config <file> is required: the search config (netgrow search --help)');
  const { config: loaded, executorSettings } = await loadSearchFile(file);
  const config = await prepare(loaded, file, values);
  const workerConfig = values['worker-config'] as string | undefined;
  if (workerConfig) await checkWorkerPolicy(file, executorSettings, workerConfig);
  if (values.check) {
    if (config.executor.kind === 'kubernetes') {
      await checkCluster(file, config.executor, (line) => console.error(line));
    }
    console.log(
      `${file}: valid (${config.strategy.kind} on ${config.dataset.name}, storage ${redactUri(config.storage.uri)})`,
    );
    return 0;
  }
  return runExperiment(values, { kind: 'search', config, executorSettings }, ctx);
}

/** The config made ready to run here: runnable checks and the flags that override it. */
export async function prepare(
  config: SearchConfig,
  file: string,
  values: ExperimentFlags,
): Promise<SearchConfig> {
  const target = flagTarget(values as Flags, config.temporal);
  checkFollowFlags(values as Flags, target);
  const localWorkers = target.address === null || values.workers === true;
  return prepareExperiment(config, { source: file, localWorkers, parallelism: values.parallelism });
}
