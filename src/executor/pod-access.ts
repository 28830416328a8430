/**
 * What the worker's Kubernetes identity must be allowed to do, and the check that it is, made
 * before any training: a SelfSubjectAccessReview per call (every authenticated identity may
 * create one), so a missing verb is named in one sentence instead of failing mid-run.
 */
import { ApiException, AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { ExecutorError } from './executor';

/** The API calls the executor makes: exactly what k8s/rbac.yaml's Role grants. */
export const REQUIRED_ACCESS = [
  { verb: 'create', resource: 'pods' },
  { verb: 'get', resource: 'pods' },
  { verb: 'list', resource: 'pods' },
  { verb: 'watch', resource: 'pods' },
  { verb: 'delete', resource: 'pods' },
  { verb: 'get', resource: 'pods', subresource: 'log' },
  // The owner object of each search's pods (search-owner.ts), deleted by the reaper.
  { verb: 'create', resource: 'configmaps' },
  { verb: 'get', resource: 'configmaps' },
  { verb: 'list', resource: 'configmaps' },
  { verb: 'delete', resource: 'configmaps' },
] as const;

/** Throws ExecutorError naming the unreachable server or every verb the identity lacks. */
export async function checkAccess(kc: KubeConfig, namespace: string): Promise<void> {
  const missing = await missingAccess(kc, namespace);
  if (missing.length > 0) {
    throw new ExecutorError(
      'bad_input',
      `the worker's Kubernetes identity may not ${missing.join(', ')} in namespace ${namespace}; ` +
        'grant them with the Role in k8s/rbac.yaml',
    );
  }
}

/**
 * The calls of REQUIRED_ACCESS this identity may not make in `namespace` (`delete pods`,
 * `get pods/log`), asked one SelfSubjectAccessReview each. Throws ExecutorError when the API
 * server cannot be reached (infrastructure) or refuses the review itself (bad input).
 */
export async function missingAccess(kc: KubeConfig, namespace: string): Promise<string[]> {
  const auth = kc.makeApiClient(AuthorizationV1Api);
  const server = kc.getCurrentCluster()?.server ?? '(no cluster in the kubeconfig)';
  const missing: string[] = [];
  for (const a of REQUIRED_ACCESS) {
    let allowed: boolean;
    try {
      const review = await auth.createSelfSubjectAccessReview({
        body: { spec: { resourceAttributes: { namespace, ...a } } },
      });
      allowed = review.status?.allowed === true;
    } catch (e) {
      if (e instanceof ApiException) {
        throw new ExecutorError(
          'bad_input',
          `Kubernetes API at ${server} refused an access review: ${apiMessage(e)}`,
        );
      }
      throw new ExecutorError(
        'infrastructure',
        `cannot reach the Kubernetes API at ${server}: ${(e as Error).message}`,
      );
    }
    if (!allowed) missing.push(`${a.verb} ${a.resource}${'subresource' in a ? `/${a.subresource}` : ''}`);
  }
  return missing;
}

/** The API server's own sentence from an ApiException (its body is a Status object). */
export function apiMessage(e: ApiException<unknown>): string {
  const body = e.body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (body as { message?: string } | null)?.message ?? `HTTP ${e.code}`;
}
