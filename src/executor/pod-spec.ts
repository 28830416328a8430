/**
 * The trainer pod of one training attempt: its name and labels (deterministic, so a retried
 * activity or a restarted worker finds the pod it already started) and its spec, from the
 * search config's `executor.pod` template. The container runs `netgrow train --spec <uri>` as
 * an argument array after the template's `command` (netgrow's entry point in the image); the spec, checkpoints and dataset come from storage, and the storage
 * credentials from a Secret by reference — never as literal values in the pod or in history.
 */
import { createHash } from 'node:crypto';
import type {
  V1Affinity,
  V1ContainerStatus,
  V1OwnerReference,
  V1Pod,
  V1Volume,
} from '@kubernetes/client-node';
import type { TrainSpec } from '../contracts/train';
import { DATASET_CACHE_MOUNT, type PodTemplate } from '../contracts/pod-template';

export const LABEL = {
  app: 'app.kubernetes.io/name',
  experiment: 'netgrow.io/experiment',
  candidate: 'netgrow.io/candidate',
  run: 'netgrow.io/run',
  /** Hash of the run's output URI: unique per run folder, whatever the names. */
  runKey: 'netgrow.io/run-key',
  /** 1, 2, …: a new pod per infrastructure retry of the same run. */
  podAttempt: 'netgrow.io/pod-attempt',
} as const;

export const CONTAINER = 'trainer';
/** The experiment id, whole (a label value may not hold it), on each pod and its search's owner. */
export const EXPERIMENT_ANNOTATION = 'netgrow.io/experiment-id';
/** The `app.kubernetes.io/name` of every trainer pod: what a worker's one watch selects. */
export const TRAINER_APP = 'netgrow-trainer';
export const SPEC_KEY = 'trainspec.json';

/**
 * The trainer container's status, found by name: a pod may carry containers netgrow did not
 * write (a sidecar a mutating webhook injects, often listed first), whose state says nothing
 * about the run. Undefined until the kubelet reports the trainer.
 */
export function trainerContainerStatus(pod: V1Pod): V1ContainerStatus | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === CONTAINER);
}

export interface RunIdentity {
  experiment: string | null;
  candidate: string;
  runId: string;
  runKey: string;
}

/** `…/experiments/<id>/candidates/<cid>/runs/<runId>` → the experiment; else null. */
export function runIdentity(spec: TrainSpec): RunIdentity {
  const m = /\/experiments\/([^/]+)\/candidates\//.exec(spec.output);
  return {
    experiment: m ? m[1] : null,
    candidate: spec.candidate ?? spec.runId,
    runId: spec.runId,
    runKey: createHash('sha256').update(spec.output).digest('hex').slice(0, 12),
  };
}

/** A DNS-1123 piece: lowercase alphanumerics and '-', trimmed to `max`. */
export function slug(s: string, max: number): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
}

/** A label value: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
export function labelValue(s: string): string {
  return s
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** `ng-<experiment>-<runId>-<runKey>-<attempt>`, at most 63 characters (a valid hostname). */
export function podName(id: RunIdentity, attempt: number): string {
  const parts = [
    'ng',
    id.experiment ? slug(id.experiment, 16) : '',
    slug(id.runId, 24),
    id.runKey.slice(0, 8),
  ];
  return [...parts.filter((p) => p !== ''), String(attempt)].join('-');
}

export function runLabels(id: RunIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.app]: TRAINER_APP,
    [LABEL.candidate]: labelValue(id.candidate),
    [LABEL.run]: labelValue(id.runId),
    [LABEL.runKey]: id.runKey,
  };
  if (id.experiment) labels[LABEL.experiment] = labelValue(id.experiment);
  return labels;
}

export interface PodInput {
  name: string;
  id: RunIdentity;
  attempt: number;
  image: string;
  gpus: number;
  /** Where the TrainSpec lies in storage (`<output>/trainspec.json`). */
  specUri: string;
  template: PodTemplate;
  /** The search's owner object (search-owner.ts); none for a run outside an experiment. */
  owner?: V1OwnerReference | null;
  /**
   * The worker's non-secret storage settings (region, endpoint, …: src/storage/settings.ts),
   * for the trainer to reach the same storage; the template's own `env` wins over them.
   */
  settings?: Record<string, string>;
}

export function trainerPod(p: PodInput): V1Pod {
  const t = p.template;
  const gpu: Record<string, string> = p.gpus > 0 ? { 'nvidia.com/gpu': String(p.gpus) } : {};
  const str = (r: Record<string, string | number>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
  const cache = datasetCacheVolume(t);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      // The template's labels first: netgrow's own must win, adoption finds pods by them.
      labels: { ...t.labels, ...runLabels(p.id), [LABEL.podAttempt]: String(p.attempt) },
      annotations: {
        ...t.annotations,
        'netgrow.io/spec': p.specUri,
        ...(p.id.experiment ? { [EXPERIMENT_ANNOTATION]: p.id.experiment } : {}),
      },
      ownerReferences: p.owner ? [p.owner] : undefined,
    },
    spec: {
      restartPolicy: 'Never', // Temporal owns retries: a new pod per attempt, never a restart
      serviceAccountName: t.serviceAccountName,
      automountServiceAccountToken: false, // the trainer never talks to the API server
      nodeSelector: Object.keys(t.nodeSelector).length > 0 ? t.nodeSelector : undefined,
      tolerations: t.tolerations.length > 0 ? t.tolerations : undefined,
      affinity: t.affinity as V1Affinity | undefined,
      priorityClassName: t.priorityClassName,
      activeDeadlineSeconds: t.activeDeadlineSeconds ?? undefined,
      imagePullSecrets:
        t.imagePullSecrets.length > 0 ? t.imagePullSecrets.map((name) => ({ name })) : undefined,
      // What the PodSecurity `restricted` level asks of a pod (runAsNonRoot, the runtime's
      // seccomp profile) here, and of its container (no privilege escalation, no capabilities)
      // below: a namespace that enforces it admits the pod. A hostPath `datasetCache` is the
      // one template choice it refuses (k8s/README.md).
      securityContext: {
        runAsNonRoot: true,
        runAsUser: t.runAsUser,
        fsGroup: t.runAsUser,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumes: [
        { name: 'scratch', emptyDir: { sizeLimit: String(t.scratchSize) } },
        ...(cache ? [cache] : []),
      ],
      containers: [
        {
          name: CONTAINER,
          image: p.image,
          imagePullPolicy: t.imagePullPolicy,
          command: t.command,
          args: ['train', '--spec', p.specUri],
          // The root filesystem is read-only: temp files and the dataset download cache
          // (src/data/places.ts) go to the scratch volume.
          env: [
            ...Object.entries(p.settings ?? {})
              .filter(([name]) => !t.env.some((e) => e.name === name))
              .map(([name, value]) => ({ name, value })),
            ...t.env,
            { name: 'TMPDIR', value: '/scratch' },
            { name: 'XDG_CACHE_HOME', value: '/scratch/cache' },
            ...(cache ? [{ name: 'NETGROW_DATASET_CACHE', value: DATASET_CACHE_MOUNT }] : []),
          ],
          envFrom: t.envFrom.length > 0 ? t.envFrom : undefined,
          resources: {
            requests: { ...str(t.resources.requests), ...gpu },
            limits: { ...str(t.resources.limits), ...gpu },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts: [
            { name: 'scratch', mountPath: '/scratch' },
            ...(cache ? [{ name: cache.name, mountPath: DATASET_CACHE_MOUNT }] : []),
          ],
        },
      ],
    },
  };
}

/** The template's node-local dataset cache as a volume; null without one. */
function datasetCacheVolume(t: PodTemplate): V1Volume | null {
  const c = t.datasetCache;
  if (!c) return null;
  return 'hostPath' in c
    ? { name: 'dataset-cache', hostPath: { path: c.hostPath, type: 'DirectoryOrCreate' } }
    : { name: 'dataset-cache', persistentVolumeClaim: { claimName: c.persistentVolumeClaim } };
}
