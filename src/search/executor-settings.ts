/**
 * A search's `executor` section against a worker's: which fields the search set (so a schema
 * default never overrides the worker), the one merge rule, and the worker's allow list.
 *
 * The merge rule (k8s/README.md says the same): the worker's `--executor-config` gives the
 * defaults; a field the search set wins. Maps (`pod.nodeSelector`, `pod.labels`,
 * `pod.annotations`, `pod.resources.requests`, `pod.resources.limits`) merge key by key, the
 * search winning per key; `pod.env` merges by variable name the same way (Kubernetes' own merge
 * key for it); every other list (`tolerations`, `envFrom`, `imagePullSecrets`, `command`) and
 * `affinity` is replaced whole by the search's, since their items have no key to merge on and
 * a search must be able to drop one. Cluster, identity, parallelism and the kept pods' time to live are the worker's only.
 */
import type { PodTemplate } from '../contracts/pod-template';
import {
  DEFAULT_SEARCH_MAY,
  type PodSettings,
  type SearchExecutorSettings,
} from '../contracts/executor-settings';
import type { KubernetesExecutorConfig, SearchConfig } from './config';

/** The executor's fields a search never sets: the worker's cluster, identity and capacity. */
const WORKER_ONLY = new Set(['kind', 'parallelism', 'kubeconfig', 'context', 'allowSearch', 'keptPodTtl']);
const MAPS = new Set(['nodeSelector', 'labels', 'annotations']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The fields of a kubernetes `executor` section the user wrote (`raw`, the file as read), with
 * their validated values from `config`; undefined when there are none or the executor is not
 * kubernetes. `image: null` means "the worker's image", so it is not a setting.
 */
export function searchExecutorSettings(
  raw: unknown,
  config: SearchConfig,
): SearchExecutorSettings | undefined {
  const section = isObject(raw) ? raw.executor : undefined;
  if (config.executor.kind !== 'kubernetes' || !isObject(section)) return undefined;
  const parsed = config.executor as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(section)) {
    if (WORKER_ONLY.has(key) || section[key] === undefined) continue;
    if (key === 'image' && section.image === null) continue;
    out[key] = key === 'pod' ? podSettings(section.pod, config.executor.pod) : parsed[key];
  }
  if (isObject(out.pod) && Object.keys(out.pod).length === 0) delete out.pod;
  return Object.keys(out).length > 0 ? (out as SearchExecutorSettings) : undefined;
}

function podSettings(raw: unknown, pod: PodTemplate): PodSettings {
  if (!isObject(raw)) return {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(raw) as (keyof PodTemplate)[]) {
    if (raw[key] === undefined) continue;
    if (key === 'resources' && isObject(raw.resources)) {
      const r = raw.resources;
      out.resources = {
        ...(r.requests !== undefined ? { requests: pod.resources.requests } : {}),
        ...(r.limits !== undefined ? { limits: pod.resources.limits } : {}),
      };
    } else out[key] = pod[key];
  }
  return out as PodSettings;
}

/** The worker's executor config with a search's settings merged over it (the rule above). */
export function mergeExecutor(
  worker: KubernetesExecutorConfig,
  search: SearchExecutorSettings,
): KubernetesExecutorConfig {
  const { pod, ...scalars } = search;
  return { ...worker, ...scalars, pod: pod ? mergePod(worker.pod, pod) : worker.pod };
}

function mergePod(worker: PodTemplate, search: PodSettings): PodTemplate {
  const out: Record<string, unknown> = { ...worker };
  for (const [key, value] of Object.entries(search)) {
    if (value === undefined) continue;
    const mine = (worker as Record<string, unknown>)[key];
    if (MAPS.has(key)) out[key] = { ...(mine as object), ...(value as object) };
    else if (key === 'resources') {
      const r = value as PodSettings['resources'] & object;
      out.resources = {
        requests: { ...worker.resources.requests, ...r.requests },
        limits: { ...worker.resources.limits, ...r.limits },
      };
    } else if (key === 'env') {
      const names = new Set((value as PodTemplate['env']).map((e) => e.name));
      out.env = [...worker.env.filter((e) => !names.has(e.name)), ...(value as PodTemplate['env'])];
    } else out[key] = value;
  }
  return out as PodTemplate;
}

/** Field paths a search set, as an allow list names them (`image`, `pod.nodeSelector`, …). */
export function settingPaths(search: SearchExecutorSettings): string[] {
  const { pod, ...scalars } = search;
  return [...Object.keys(scalars), ...Object.keys(pod ?? {}).map((k) => `pod.${k}`)];
}

/**
 * One line per field the search set that the worker does not let searches set, naming the
 * field and the way out. Setting a field to what the worker has anyway is no override and
 * passes: a search config that spells out the worker's namespace is not refused.
 */
export function forbiddenSettings(
  worker: KubernetesExecutorConfig,
  search: SearchExecutorSettings,
): string[] {
  const allowed = new Set(worker.allowSearch ?? DEFAULT_SEARCH_MAY);
  const merged = mergeExecutor(worker, search);
  const at = (c: KubernetesExecutorConfig, path: string): unknown =>
    path.startsWith('pod.')
      ? (c.pod as Record<string, unknown>)[path.slice(4)]
      : (c as Record<string, unknown>)[path];
  return settingPaths(search)
    .filter((path) => !allowed.has(path))
    .filter((path) => JSON.stringify(at(merged, path)) !== JSON.stringify(at(worker, path)))
    .map(
      (path) =>
        `executor.${path}: this worker does not let a search set it (its executor.allowSearch ` +
        `does not list ${path}); remove it from the search config, or add it to the worker's allowSearch`,
    );
}
