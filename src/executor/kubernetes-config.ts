/**
 * The Kubernetes executor from the search config's `executor: {kind: kubernetes, …}`: which
 * cluster (a kubeconfig and context, or the pod's own service account in-cluster), which image,
 * the pod template and the clocks. It checks the cluster and the worker's rights before it
 * returns, so a worker that cannot reach its cluster, or lacks a verb, fails before any
 * training — never by falling back to local CPU runs.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { DURATION_HINT, parseDuration } from '../search/budget';
import { forbiddenSettings, mergeExecutor } from '../search/executor-settings';
import { imageReferenceProblem } from '../search/image-ref';
import type { SearchExecutorSettings } from '../contracts/executor-settings';
import type { KubernetesExecutorConfig } from '../search/config';
import { ExecutorError } from './executor';
import { KubernetesExecutor, type KubernetesExecutorOptions, type PodOptions } from './kubernetes';

export interface KubernetesExecutorExtras {
  /**
   * Environment for in-cluster detection, NETGROW_TRAINER_IMAGE and the storage settings the
   * trainer pods get; default process.env.
   */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  onUsage?: KubernetesExecutorOptions['onUsage'];
  /** Milliseconds between log reads for progress (default 10 s). */
  pollMs?: number;
}

export function loadKubeConfig(
  config: KubernetesExecutorConfig,
  env: NodeJS.ProcessEnv = process.env,
): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
    else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (e) {
    throw new ExecutorError(
      'bad_input',
      `cannot load the kubeconfig ${config.kubeconfig ?? ''}: ${(e as Error).message}`,
    );
  }
  if (config.context) {
    if (!kc.getContexts().some((c) => c.name === config.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new ExecutorError(
        'bad_input',
        `no context "${config.context}" in the kubeconfig (it has: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(config.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new ExecutorError(
      'bad_input',
      'no Kubernetes cluster configured: set executor.kubeconfig or run in a pod',
    );
  }
  return kc;
}

/**
 * The pod options of an executor config: the worker's own, or (forSearch) a search's settings
 * merged over them. Throws ExecutorError('bad_input') for no image or a duration that does not read.
 */
export function podOptions(config: KubernetesExecutorConfig, env: NodeJS.ProcessEnv): PodOptions {
  const image = config.image ?? env.NETGROW_TRAINER_IMAGE;
  if (!image) {
    throw new ExecutorError('bad_input', 'no trainer image: set executor.image or NETGROW_TRAINER_IMAGE');
  }
  const badImage = imageReferenceProblem(image);
  if (badImage) throw new ExecutorError('bad_input', `executor.image: ${badImage}`);
  const seconds = (field: string, d: string) => {
    const ms = parseDuration(d);
    if (ms === null) throw new ExecutorError('bad_input', `executor.${field}: must be ${DURATION_HINT}`);
    return ms / 1000;
  };
  const orNull = (field: string, d: string | null) => (d === null ? null : seconds(field, d));
  return {
    namespace: config.namespace,
    image,
    gpus: config.gpus,
    template: config.pod,
    imagePullGraceSeconds: seconds('imagePullGrace', config.imagePullGrace),
    unschedulableTimeoutSeconds: orNull('unschedulableTimeout', config.unschedulableTimeout),
    lostNodeTimeoutSeconds: orNull('lostNodeTimeout', config.lostNodeTimeout),
    quotaWaitTimeoutSeconds: orNull('quotaWaitTimeout', config.quotaWaitTimeout),
    deleteGraceSeconds: seconds('deleteGrace', config.deleteGrace),
    keepPods: config.keepPods,
  };
}

/**
 * How a worker turns a search's settings into its pods' options: refused, one field per line,
 * where the worker's `allowSearch` does not list a field the search changed; else merged
 * (src/search/executor-settings.ts has the rule).
 */
export function searchPodOptions(
  config: KubernetesExecutorConfig,
  env: NodeJS.ProcessEnv,
): (settings: SearchExecutorSettings) => PodOptions {
  return (settings) => {
    const refused = forbiddenSettings(config, settings);
    if (refused.length > 0) throw new ExecutorError('bad_input', refused.join('; '));
    return podOptions(mergeExecutor(config, settings), env);
  };
}

/** A checked KubernetesExecutor; throws ExecutorError when the cluster or the rights are not there. */
export async function createKubernetesExecutor(
  config: KubernetesExecutorConfig,
  extras: KubernetesExecutorExtras = {},
): Promise<KubernetesExecutor> {
  const env = extras.env ?? process.env;
  const executor = new KubernetesExecutor({
    kubeConfig: loadKubeConfig(config, env),
    ...podOptions(config, env),
    parallelism: config.parallelism,
    keptPodTtlSeconds:
      config.keptPodTtl === null ? null : (parseDuration(config.keptPodTtl) ?? 86_400_000) / 1000,
    pollMs: extras.pollMs,
    log: extras.log,
    onUsage: extras.onUsage,
    env,
    forSearch: searchPodOptions(config, env),
  });
  await executor.check();
  return executor;
}
