/**
 * What `netgrow search` asks beyond the config file when its executor is kubernetes: whether
 * the worker that will run it lets it set what its `executor` section sets (`--worker-config`:
 * that worker's `--executor-config`), and with `--check` whether the cluster has what a run
 * needs. Each problem is one line; any problem is bad input (exit 2).
 */
import type { SearchExecutorSettings } from '../contracts/executor-settings';
import { UsageError } from '../contracts/errors';
import { clusterProblems } from '../executor/cluster-check';
import { loadSearchConfig } from '../experiment/prepare';
import { ConfigError, type KubernetesExecutorConfig } from '../search/config';
import { forbiddenSettings } from '../search/executor-settings';

/** Refuses the fields the worker of `workerFile` would refuse, one line each. */
export async function checkWorkerPolicy(
  file: string,
  settings: SearchExecutorSettings | undefined,
  workerFile: string,
): Promise<void> {
  const worker = await loadSearchConfig(workerFile);
  if (worker.executor.kind !== 'kubernetes') {
    throw new UsageError(
      `--worker-config ${workerFile}: executor.kind is ${worker.executor.kind}; give the worker's kubernetes --executor-config`,
    );
  }
  const refused = settings ? forbiddenSettings(worker.executor, settings) : [];
  if (refused.length > 0) throw new ConfigError(file, refused);
}

/** Asks the cluster; notes (what could not be asked) go to `note`. */
export async function checkCluster(
  file: string,
  executor: KubernetesExecutorConfig,
  note: (line: string) => void,
): Promise<void> {
  const { problems, notes } = await clusterProblems(executor);
  notes.forEach(note);
  if (problems.length > 0) throw new ConfigError(file, problems);
}
