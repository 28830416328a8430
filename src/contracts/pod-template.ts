/**
 * The trainer pod template of the search config (`executor.pod`), zod-validated. Pure data
 * (the search config imports it); src/executor/pod-spec.ts turns it into a pod. Credentials
 * are references to a Secret (`envFrom`, `valueFrom.secretKeyRef`): a literal value under a
 * name that looks like a credential is refused, so none lands in a pod spec or in history.
 */
import { z } from 'zod';
import { CREDENTIAL_NAME } from './secrets';

const Quantity = z.union([
  z.string().regex(/^[0-9.]+[a-zA-Z]*$/, 'a quantity such as 2, 500m or 8Gi'),
  z.number(),
]);
const Resources = z.record(z.string(), Quantity);
const LabelMap = z.record(z.string(), z.string());

const KeyRef = z.strictObject({
  name: z.string().min(1),
  key: z.string().min(1),
  optional: z.boolean().optional(),
});
const EnvVar = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
    value: z.string().optional(),
    valueFrom: z
      .union([z.strictObject({ secretKeyRef: KeyRef }), z.strictObject({ configMapKeyRef: KeyRef })])
      .optional(),
  })
  .refine(
    (e) => (e.value === undefined) !== (e.valueFrom === undefined),
    'give either `value` or `valueFrom`',
  )
  .refine((e) => e.value === undefined || !CREDENTIAL_NAME.test(e.name), {
    message: 'looks like a credential: reference a Secret with valueFrom.secretKeyRef (or envFrom) instead',
  });
const EnvFrom = z.union([
  z.strictObject({
    secretRef: z.strictObject({ name: z.string().min(1), optional: z.boolean().optional() }),
  }),
  z.strictObject({
    configMapRef: z.strictObject({ name: z.string().min(1), optional: z.boolean().optional() }),
  }),
]);
const Toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});

/** Where k8s/trainer.Dockerfile installs netgrow: its ENTRYPOINT, and the trainer pod's command. */
export const TRAINER_COMMAND = ['node', '/opt/netgrow/bin/netgrow.js'];

/** A trainer pod's `activeDeadlineSeconds` unless the template says otherwise: 24 hours. */
export const DEFAULT_ACTIVE_DEADLINE_SECONDS = 86_400;

/** Where a trainer pod mounts `datasetCache`; NETGROW_DATASET_CACHE points there (src/data/places.ts). */
export const DATASET_CACHE_MOUNT = '/dataset-cache';

/** The pod template of the search config (`executor.pod`); image and gpus sit beside it. */
export const PodTemplate = z.strictObject({
  /**
   * netgrow's entry point in the image: the container's `command` (its args are `train --spec
   * <uri>`), so the pod does not depend on the image's ENTRYPOINT.
   */
  command: z
    .array(z.string().min(1))
    .min(1)
    .default(() => [...TRAINER_COMMAND]),
  resources: z
    .strictObject({
      // One CPU: a request of 2 fills a 2-CPU node with one trainer and its daemons cannot fit.
      requests: Resources.default({ cpu: '1', memory: '8Gi' }),
      limits: Resources.default({ memory: '8Gi' }),
    })
    .prefault({}),
  nodeSelector: LabelMap.default({}),
  tolerations: z.array(Toleration).default([]),
  /** A Kubernetes Affinity object, passed through; the API server validates it. */
  affinity: z.record(z.string(), z.unknown()).optional(),
  priorityClassName: z.string().min(1).optional(),
  serviceAccountName: z.string().min(1).default('netgrow-trainer'),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  imagePullSecrets: z.array(z.string().min(1)).default([]),
  env: z.array(EnvVar).default([]),
  /** Default: the storage credentials Secret of k8s/secret.example.yaml, if it exists. */
  envFrom: z.array(EnvFrom).default([{ secretRef: { name: 'netgrow-storage', optional: true } }]),
  labels: LabelMap.default({}),
  annotations: LabelMap.default({}),
  /**
   * Seconds a trainer pod may run before Kubernetes stops it (DeadlineExceeded: the run fails,
   * not retried, naming the deadline); null = no deadline. The default caps a hung trainer's
   * hold on a shared cluster's GPU at a day.
   */
  activeDeadlineSeconds: z.number().int().positive().nullable().default(DEFAULT_ACTIVE_DEADLINE_SECONDS),
  runAsUser: z.number().int().min(1).default(1000),
  /** Size limit of the emptyDir mounted at /scratch (TMPDIR, dataset cache). */
  scratchSize: Quantity.default('20Gi'),
  /**
   * A dataset cache that outlives the pod, mounted at DATASET_CACHE_MOUNT: a folder on the node
   * (`hostPath`, created if absent; it must be writable by `runAsUser`) or a claim
   * (`persistentVolumeClaim`). The first trainer on a node fetches the staged dataset into it,
   * the next ones find it there. Absent: each pod fetches into its scratch volume.
   */
  datasetCache: z
    .union([
      z.strictObject({ hostPath: z.string().regex(/^\/./, 'an absolute path on the node') }),
      z.strictObject({ persistentVolumeClaim: z.string().min(1) }),
    ])
    .optional(),
});
export type PodTemplate = z.infer<typeof PodTemplate>;
export type PodTemplateInput = z.input<typeof PodTemplate>;
