/**
 * One object per search and namespace that owns the search's trainer pods (their
 * ownerReferences name it): deleting it makes Kubernetes' garbage collector delete every pod of
 * the search, kept or running, whatever became of the worker that made them. A ConfigMap,
 * since every cluster has the type and a Role can grant it; it carries the experiment id
 * (which a label value may not hold whole) for the reaper (pod-reaper.ts).
 */
import { createHash } from 'node:crypto';
import {
  ApiException,
  type CoreV1Api,
  type V1ConfigMap,
  type V1OwnerReference,
} from '@kubernetes/client-node';
import { EXPERIMENT_ANNOTATION, LABEL, labelValue, slug } from './pod-spec';

/** `app.kubernetes.io/name` of the owner objects. */
export const SEARCH_APP = 'netgrow-search';

/** `netgrow-search-<experiment>-<hash>`: a valid object name, one per experiment id. */
export function searchOwnerName(experiment: string): string {
  const hash = createHash('sha256').update(experiment).digest('hex').slice(0, 8);
  return ['netgrow-search', slug(experiment, 32), hash].filter((p) => p !== '').join('-');
}

export function searchOwnerObject(experiment: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: searchOwnerName(experiment),
      labels: { [LABEL.app]: SEARCH_APP, [LABEL.experiment]: labelValue(experiment) },
      annotations: { [EXPERIMENT_ANNOTATION]: experiment },
    },
    data: {
      about:
        "Owns this search's trainer pods: deleting it deletes them. netgrow's workers delete it " +
        'once the search no longer runs.',
    },
  };
}

/**
 * The reference a new pod of `experiment` carries: the owner object, read, or created when it
 * is not there (a worker racing another on the create reads the one the API server kept).
 */
export async function searchOwner(
  core: CoreV1Api,
  namespace: string,
  experiment: string,
): Promise<V1OwnerReference> {
  const name = searchOwnerName(experiment);
  let owner: V1ConfigMap;
  try {
    owner = await core.readNamespacedConfigMap({ name, namespace });
  } catch (e) {
    if (!(e instanceof ApiException && e.code === 404)) throw e;
    try {
      owner = await core.createNamespacedConfigMap({ namespace, body: searchOwnerObject(experiment) });
    } catch (e2) {
      if (!(e2 instanceof ApiException && e2.code === 409)) throw e2;
      owner = await core.readNamespacedConfigMap({ name, namespace });
    }
  }
  // No blockOwnerDeletion: the owner goes at once and the collector deletes the pods after it.
  return { apiVersion: 'v1', kind: 'ConfigMap', name, uid: owner.metadata!.uid! };
}
