/**
 * `netgrow worker`: netgrow's workers only, for a Temporal cluster (or a dev server someone
 * else runs): workflows and the light activities on the orchestration queue, training on the
 * training queue with `--parallelism` runs at once. Storage credentials come from this
 * process's environment. SIGINT/SIGTERM: stop polling, stop running training (it checkpoints)
 * so another worker resumes it, and exit.
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_ADDRESS, NAMESPACE, TASK_QUEUES } from '../temporal/config';
import type { WorkerRole } from '../contracts/workers';
import type { CliContext } from './command';
import { parseFlags } from './flags';
import type { Client } from '@temporalio/client';
import { createKubernetesExecutor } from '../executor/kubernetes-config';
import type { KubernetesExecutor } from '../executor/kubernetes';
import { searchRunning } from '../temporal/client';
import { loadSearchConfig } from '../experiment/prepare';
import { SearchConfig } from '../search/config';
import { openTemporal, temporalTarget } from '../experiment/session';
import { TEMPORAL_AUTH_HELP, TEMPORAL_AUTH_OPTIONS } from '../temporal/connection';
import { quietTemporalRuntime } from '../experiment/runtime';
import { interruptSignal } from './terminal';
import { UsageError } from '../contracts/errors';

export const help = `netgrow worker [options] — run netgrow's Temporal workers (cluster mode)

  --roles <list>              orchestration, training or both (default orchestration,training)
  --parallelism <n>           training runs at once on this worker (default: with kubernetes the
                              executor config's parallelism, 4 unless set; else the number of cores)
  --executor <kind>           process (a \`netgrow train\` child per run, default), inprocess, or
                              kubernetes (a pod per run; the cluster and the worker's rights are
                              checked before the worker starts)
  --executor-config <file>    with kubernetes: a search config (YAML/JSON) whose \`executor\` section
                              names the cluster, namespace, image and pod template (default: in-cluster
                              config, namespace netgrow, NETGROW_TRAINER_IMAGE); a search's own
                              executor section is merged over it per search, and its
                              executor.allowSearch lists what a search may set (k8s/README.md)
  --temporal-address <h:p>    the frontend (default TEMPORAL_ADDRESS, else ${DEFAULT_ADDRESS})
  --namespace <ns>            default TEMPORAL_NAMESPACE, else ${NAMESPACE}
${TEMPORAL_AUTH_HELP}

Queues: '${TASK_QUEUES.orchestration}' (workflows, mutate, evaluate, report, lineage) and
'${TASK_QUEUES.training}' (train, evaluate, testFinalists). S3 endpoint and keys come from the environment
(AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, …) and reach trainer processes the same way.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const values = parseFlags(args, 'worker', {
    roles: { type: 'string' },
    parallelism: { type: 'string' },
    executor: { type: 'string' },
    'executor-config': { type: 'string' },
    'temporal-address': { type: 'string' },
    namespace: { type: 'string' },
    ...TEMPORAL_AUTH_OPTIONS,
  });
  const roles = (values.roles ?? 'orchestration,training').split(',').map((r) => r.trim());
  const unknown = roles.filter((r) => r !== 'orchestration' && r !== 'training');
  if (unknown.length > 0 || roles.length === 0) {
    throw new UsageError(`--roles: unknown role '${unknown[0] ?? ''}'; use orchestration, training or both`);
  }
  const asked = values.parallelism === undefined ? undefined : Number(values.parallelism);
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1)) {
    throw new UsageError(`--parallelism must be a positive integer, received '${values.parallelism}'`);
  }
  const executor = values.executor ?? 'process';
  if (executor !== 'process' && executor !== 'inprocess' && executor !== 'kubernetes') {
    throw new UsageError(`--executor must be process, inprocess or kubernetes, received '${executor}'`);
  }
  if (values['executor-config'] && executor !== 'kubernetes') {
    throw new UsageError('--executor-config goes with --executor kubernetes');
  }
  // Start-up takes tens of seconds (the cluster check, webpack over the workflow code): each
  // step says what it is doing, so a worker that seems silent is never mistaken for a hung one.
  const step = (line: string) => console.error(`worker: ${line}`);
  // Built (and its cluster and rights checked) before any worker polls: a worker that cannot
  // reach its cluster fails here, never by training on this machine's CPU instead.
  if (executor === 'kubernetes') step("checking the Kubernetes cluster and this worker's rights");
  const trainer =
    executor === 'kubernetes' ? await kubernetesExecutor(values['executor-config'], asked) : executor;
  const parallelism = trainingParallelism(asked, trainer);
  const target = temporalTarget(
    {
      address: values['temporal-address'] ?? (process.env.TEMPORAL_ADDRESS || DEFAULT_ADDRESS),
      namespace: values.namespace,
      auth: values,
    },
    null,
  );
  const { address, namespace } = target;

  quietTemporalRuntime();
  step(`connecting to Temporal at ${address}${target.connect?.tls ? ' (TLS)' : ''}, namespace ${namespace}`);
  const session = await openTemporal(target, { stateDir: '.' });
  const interrupt = interruptSignal();
  const reaper = typeof trainer === 'string' ? null : startReaper(trainer, session.client, step);
  try {
    step(
      !roles.includes('orchestration')
        ? 'starting to poll'
        : process.env.NETGROW_WORKFLOW_BUNDLE
          ? `loading the workflow code built ahead (${process.env.NETGROW_WORKFLOW_BUNDLE}), then polling`
          : 'building the workflow code (webpack; tens of seconds on a small machine), then polling',
    );
    const workers = await ctx.startWorkers({
      connection: await session.nativeConnection(),
      namespace,
      roles: roles as WorkerRole[],
      executor: trainer,
      parallelism,
      log: (line) => console.error(line),
    });
    const queues = roles.map((r) =>
      r === 'training'
        ? `${TASK_QUEUES.training} (${parallelism} at once, ${executor})`
        : TASK_QUEUES.orchestration,
    );
    console.log(`worker ${process.pid}: ${address} namespace ${namespace}, queues ${queues.join(', ')}`);
    const stopped = new Promise<void>((res) => interrupt.signal.addEventListener('abort', () => res()));
    await Promise.race([workers.done, stopped]);
    if (interrupt.signal.aborted) {
      console.error('stopping: running training checkpoints and stops; another worker resumes it');
      await workers.shutdown();
    }
    return 0;
  } finally {
    if (reaper) clearInterval(reaper);
    interrupt.dispose();
    await session.close();
  }
}

/** How often a Kubernetes worker clears its namespace after the first time, at its start. */
const REAP_EVERY_MS = 10 * 60_000;

/**
 * The pods of searches that no longer run (a worker crashed, a search ended while its pods
 * were kept) and kept pods past `keptPodTtl` are deleted at the worker's start and every ten
 * minutes; a failure (Temporal or the API server not answering) is one line, the worker goes on.
 */
function startReaper(
  executor: KubernetesExecutor,
  client: Client,
  say: (line: string) => void,
): NodeJS.Timeout {
  const reap = async () => {
    try {
      const r = await executor.reap((id) => searchRunning(client, id));
      if (r.owners.length + r.pods.length > 0) {
        say(
          `cleared the pods of ${r.owners.length} finished search(es)` +
            (r.owners.length ? ` (${r.owners.join(', ')})` : '') +
            ` and deleted ${r.pods.length} pod(s)` +
            (r.pods.length ? ` (${r.pods.join(', ')})` : ''),
        );
      }
    } catch (e) {
      say(`could not clear finished searches' pods this time: ${(e as Error).message}`);
    }
  };
  void reap();
  return setInterval(() => void reap(), REAP_EVERY_MS).unref();
}

/**
 * Training activities at once: `--parallelism`; else, for pods, the Kubernetes executor's own
 * `parallelism` (pods run elsewhere: this machine's cores say nothing about how many); else
 * this machine's cores, one child process each.
 */
export function trainingParallelism(
  asked: number | undefined,
  trainer: string | { parallelism: number },
  cores: number = availableParallelism(),
): number {
  if (asked !== undefined) return asked;
  return typeof trainer === 'string' ? cores : trainer.parallelism;
}

/**
 * The Kubernetes executor from a search config's `executor` section, or its defaults;
 * `--parallelism` (when given) wins over the section's `parallelism`.
 */
async function kubernetesExecutor(file: string | undefined, parallelism: number | undefined) {
  const config = file
    ? await loadSearchConfig(file)
    : SearchConfig.parse({ name: 'worker', executor: { kind: 'kubernetes' } });
  if (config.executor.kind !== 'kubernetes') {
    throw new UsageError(
      `${file}: executor.kind is ${config.executor.kind}; --executor kubernetes needs kubernetes`,
    );
  }
  return createKubernetesExecutor(
    { ...config.executor, parallelism: parallelism ?? config.executor.parallelism },
    { log: (line) => console.error(line) },
  );
}
