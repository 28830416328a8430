/**
 * `netgrow search --check` with a kubernetes executor asks the cluster what a run would need,
 * as the identity of the config's kubeconfig and context: the namespace exists, and that
 * identity may make every call the executor makes there (one SelfSubjectAccessReview per verb).
 * Each problem is one line that names what is missing and how to fix it. The worker's own
 * ServiceAccount is asked the same at `netgrow worker` start, and for a search's namespace at
 * its first run there.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import type { KubernetesExecutorConfig } from '../search/config';
import { ExecutorError } from './executor';
import { loadKubeConfig } from './kubernetes-config';
import { apiMessage, missingAccess } from './pod-access';

/**
 * The problems, one line each (empty: the cluster has what a run needs), and notes on what
 * could not be asked. Throws ExecutorError when the API server cannot be reached.
 */
export async function clusterProblems(
  config: KubernetesExecutorConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ problems: string[]; notes: string[] }> {
  if (!config.kubeconfig && !env.KUBERNETES_SERVICE_HOST && !kubeconfigHere(env)) {
    return {
      problems: [],
      notes: ['note: no kubeconfig here (KUBECONFIG, ~/.kube/config): the cluster was not asked'],
    };
  }
  let kc;
  try {
    kc = loadKubeConfig(config, env);
  } catch (e) {
    if (!(e instanceof ExecutorError)) throw e;
    // A config checked away from its cluster (a laptop without a kubeconfig) is still checked
    // for everything else; a kubeconfig it names must load.
    if (config.kubeconfig || config.context)
      return { problems: [`executor.kubeconfig: ${e.message}`], notes: [] };
    return { problems: [], notes: [`note: the cluster was not asked (${e.message})`] };
  }
  const ns = config.namespace;
  const server = kc.getCurrentCluster()?.server;
  const notes: string[] = [];
  try {
    await kc.makeApiClient(CoreV1Api).readNamespace({ name: ns });
  } catch (e) {
    if (!(e instanceof ApiException)) {
      throw new ExecutorError(
        'infrastructure',
        `cannot reach the Kubernetes API at ${server}: ${(e as Error).message}`,
      );
    }
    if (e.code === 404) {
      return {
        problems: [
          `executor.namespace: namespace ${ns} does not exist on ${server}; create it ` +
            `(kubectl create namespace ${ns}, or k8s/namespace.yaml) or name an existing one`,
        ],
        notes,
      };
    }
    // Reading namespaces is a cluster-wide right the executor's Role does not need.
    notes.push(`note: cannot read namespace ${ns} (${apiMessage(e)}); whether it exists was not checked`);
  }
  const problems = (await missingAccess(kc, ns)).map(
    (verb) =>
      `executor.namespace: this identity (${kc.getCurrentUser()?.name ?? 'the kubeconfig user'}) may not ` +
      `${verb} in namespace ${ns}; grant it with the Role and RoleBinding of k8s/rbac.yaml`,
  );
  return { problems, notes };
}

/**
 * Whether a kubeconfig is where client-node's loadFromDefault looks: without one it falls
 * back to http://localhost:8080, which is no cluster anyone configured.
 */
function kubeconfigHere(env: NodeJS.ProcessEnv): boolean {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(':').some((f) => f !== '' && existsSync(f));
  return existsSync(join(env.HOME || homedir(), '.kube', 'config'));
}
