/**
 * The Kubernetes executor from the search config's `executor: {kind: kubernetes, …}`: which
 * cluster (a kubeconfig and context, or the pod's own service account in-cluster), which image,
 * the pod template and the clocks. It checks the cluster and the worker's rights before it
 * returns, so a worker that cannot reach its cluster, or lacks a verb, fails before any
 * training — never by falling back to local CPU runs.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { parseDuration } from '../search/budget';
import type { KubernetesExecutorConfig } from '../search/config';
import { ExecutorError } from './executor';
import { KubernetesExecutor, type KubernetesExecutorOptions } from './kubernetes';

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

/** A checked KubernetesExecutor; throws ExecutorError when the cluster or the rights are not there. */
export async function createKubernetesExecutor(
  config: KubernetesExecutorConfig,
  extras: KubernetesExecutorExtras = {},
): Promise<KubernetesExecutor> {
  const env = extras.env ?? process.env;
  const image = config.image ?? env.NETGROW_TRAINER_IMAGE;
  if (!image) {
    throw new ExecutorError('bad_input', 'no trainer image: set executor.image or NETGROW_TRAINER_IMAGE');
  }
  const seconds = (d: string) => (parseDuration(d) ?? 0) / 1000;
  const executor = new KubernetesExecutor({
    kubeConfig: loadKubeConfig(config, env),
    namespace: config.namespace,
    image,
    gpus: config.gpus,
    template: config.pod,
    parallelism: config.parallelism,
    pollMs: extras.pollMs,
    imagePullGraceSeconds: seconds(config.imagePullGrace),
    unschedulableTimeoutSeconds:
      config.unschedulableTimeout === null ? null : seconds(config.unschedulableTimeout),
    lostNodeTimeoutSeconds: config.lostNodeTimeout === null ? null : seconds(config.lostNodeTimeout),
    deleteGraceSeconds: seconds(config.deleteGrace),
    keepPods: config.keepPods,
    log: extras.log,
    onUsage: extras.onUsage,
    env,
  });
  await executor.check();
  return executor;
}
