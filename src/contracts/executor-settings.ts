/**
 * A search's own Kubernetes settings (its config's `executor` section: image, namespace, gpus,
 * pod template, clocks), as they travel with its work to the train activity: only the fields
 * the user wrote, never a schema default, so that a worker's setting is overridden only where a
 * search asked for it (src/search/executor-settings.ts merges them over the worker's). Which
 * cluster, which identity and how many runs at once stay the worker's.
 */
import { z } from 'zod';
import { PodTemplate } from './pod-template';

const POD_FIELDS = Object.keys(PodTemplate.shape) as (keyof PodTemplate)[];

/** Every field a search may set (`pod.<key>` for the pod template's), as an allow list names it. */
export const SEARCH_EXECUTOR_FIELDS = [
  'image',
  'namespace',
  'gpus',
  'imagePullGrace',
  'unschedulableTimeout',
  'lostNodeTimeout',
  'quotaWaitTimeout',
  'deleteGrace',
  'keepPods',
  ...POD_FIELDS.map((k) => `pod.${k}`),
] as const;

/**
 * What a worker lets searches set when its executor config has no `allowSearch`: everything
 * but the namespace and the trainer's ServiceAccount, the two settings that move a pod across
 * a security boundary (the worker's Role is granted in one namespace, k8s/rbac.yaml).
 */
export const DEFAULT_SEARCH_MAY: readonly string[] = SEARCH_EXECUTOR_FIELDS.filter(
  (f) => f !== 'namespace' && f !== 'pod.serviceAccountName',
);

/** A schema without its defaults: each field optional, nested objects the same way. */
function withoutDefaults(schema: z.ZodType): z.ZodType {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault) inner = inner.unwrap() as z.ZodType;
  if (inner instanceof z.ZodObject) {
    const shape = Object.fromEntries(
      Object.entries(inner.shape as Record<string, z.ZodType>).map(([k, v]) => [
        k,
        withoutDefaults(v).optional(),
      ]),
    );
    return z.strictObject(shape);
  }
  return inner;
}

export type PodSettings = Omit<Partial<PodTemplate>, 'resources'> & {
  resources?: Partial<PodTemplate['resources']>;
};

export interface SearchExecutorSettings {
  image?: string;
  namespace?: string;
  gpus?: number;
  /** Durations as the config writes them (`2m`); checked again where they are used. */
  imagePullGrace?: string;
  unschedulableTimeout?: string | null;
  lostNodeTimeout?: string | null;
  quotaWaitTimeout?: string | null;
  deleteGrace?: string;
  keepPods?: boolean;
  pod?: PodSettings;
}

/** Validates the settings where they arrive (the train activity): history is not trusted blindly. */
export const SearchExecutorSettings = z.strictObject({
  image: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  gpus: z.number().int().min(0).optional(),
  imagePullGrace: z.string().optional(),
  unschedulableTimeout: z.string().nullable().optional(),
  lostNodeTimeout: z.string().nullable().optional(),
  quotaWaitTimeout: z.string().nullable().optional(),
  deleteGrace: z.string().optional(),
  keepPods: z.boolean().optional(),
  pod: withoutDefaults(PodTemplate).optional(),
}) as unknown as z.ZodType<SearchExecutorSettings>;
