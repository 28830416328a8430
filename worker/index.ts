/**
 * netgrow's worker entry, as in Temporal's samples: it builds the activities' clients (stores
 * opened from each URI the workflows pass, and the executor where training runs), calls
 * createActivities(deps), and creates the Workers. One worker polls the orchestration queue
 * (workflows and the light activities), one the training queue (training and scoring
 * checkpoints),
 * whose concurrency is how many training runs this machine takes at once. A cluster may run
 * them in separate processes (`roles`); the embedded mode runs both in the CLI's process.
 *
 * S3 credentials come from this process's environment and reach trainer processes the same
 * way, never through workflow history.
 */
import { readFileSync } from 'node:fs';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import { createActivities } from '../activities';
import type { Activities } from '../src/contracts/activities';
import type {
  LocalExecutorKind,
  LocalWorkerOptions,
  NetgrowWorkers,
  WorkerRole,
} from '../src/contracts/workers';
import { InProcessExecutor } from '../src/executor/inprocess';
import { ProcessExecutor } from '../src/executor/process';
import type { TrainExecutor } from '../src/executor/executor';
import { openStore } from '../src/storage';
import { NAMESPACE, TASK_QUEUES } from '../src/temporal/config';

export type { LocalExecutorKind, LocalWorkerOptions, NetgrowWorkers, WorkerRole };

export interface NetgrowWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  activities: Activities;
  /** Training runs at once on this worker (the executor's parallelism). */
  trainingSlots: number;
  /** A bundle made by bundleWorkflows(); bundling takes seconds, so callers reuse one. */
  workflowBundle?: WorkflowBundle;
  roles?: WorkerRole[];
  /**
   * The longest a training heartbeat waits before it is sent. Cancelling a search reaches a
   * running training only with a sent heartbeat, so this bounds how long a cancelled run
   * goes on. Default 5 s (the SDK's own is up to 60 s).
   */
  heartbeatThrottle?: Duration;
}

/**
 * Workflow interceptor modules bundled with the workflow code: the absolute paths in
 * NETGROW_WORKFLOW_INTERCEPTORS (':'-separated), none by default. Tests that wait for Temporal
 * to notice a lost worker name tests/support/short-heartbeats.ts, which shortens the activities'
 * heartbeat timeouts: the workflow code, and so production, keeps src/temporal/config.ts's.
 */
export function workflowInterceptorModules(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.NETGROW_WORKFLOW_INTERCEPTORS ?? '').split(':').filter((path) => path !== '');
}

/** The workflow code as the sandbox runs it (webpack over workflows/index.ts). */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: workflowInterceptorModules(),
    logger: quietLogger,
  });
  return { code };
}

/**
 * The workflow code built ahead of time, as the trainer image carries it
 * (NETGROW_WORKFLOW_BUNDLE, written by scripts/trainer-image.sh with bundleWorkflows): a worker
 * in a container then runs no webpack, and no swc, whose native addon will not load from a
 * read-only root filesystem with only a world-writable scratch volume.
 */
function prebuiltBundle(env: NodeJS.ProcessEnv = process.env): WorkflowBundle | undefined {
  return env.NETGROW_WORKFLOW_BUNDLE
    ? { code: readFileSync(env.NETGROW_WORKFLOW_BUNDLE, 'utf8') }
    : undefined;
}

export async function startWorkers(opts: NetgrowWorkerOptions): Promise<NetgrowWorkers> {
  const namespace = opts.namespace ?? NAMESPACE;
  const workflowBundle = opts.workflowBundle ?? prebuiltBundle();
  const roles = opts.roles ?? ['orchestration', 'training'];
  const workers: Worker[] = [];
  if (roles.includes('orchestration')) {
    // evaluate stays here too, for tasks that code from before scoring moved to the training
    // queue scheduled on this one; it scores in a child process, off this event loop.
    const { train: _train, testFinalists: _testFinalists, ...light } = opts.activities;
    workers.push(
      await Worker.create({
        connection: opts.connection,
        namespace,
        taskQueue: TASK_QUEUES.orchestration,
        ...(workflowBundle
          ? { workflowBundle }
          : {
              workflowsPath: require.resolve('../workflows'),
              interceptors: { workflowModules: workflowInterceptorModules() },
            }),
        activities: light,
      }),
    );
  }
  if (roles.includes('training')) {
    workers.push(
      await Worker.create({
        connection: opts.connection,
        namespace,
        taskQueue: TASK_QUEUES.training,
        activities: {
          train: opts.activities.train,
          evaluate: opts.activities.evaluate,
          testFinalists: opts.activities.testFinalists,
        },
        maxConcurrentActivityTaskExecutions: Math.max(1, opts.trainingSlots),
        maxHeartbeatThrottleInterval: opts.heartbeatThrottle ?? '5s',
        defaultHeartbeatThrottleInterval: opts.heartbeatThrottle ?? '5s',
      }),
    );
  }
  const done = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  return {
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}

/** webpack's progress chatter is noise on a terminal; warnings and errors still show. */
const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};

export function localExecutor(kind: LocalExecutorKind, parallelism: number): TrainExecutor {
  return kind === 'process'
    ? new ProcessExecutor({ parallelism })
    : new InProcessExecutor({ log: () => undefined });
}

export async function runLocalWorkers(opts: LocalWorkerOptions): Promise<NetgrowWorkers> {
  const activities = createActivities({
    executor:
      typeof opts.executor === 'string' ? localExecutor(opts.executor, opts.parallelism) : opts.executor,
    openStore: (uri) => openStore(uri),
    checkMutations: opts.checkMutations,
    log: opts.log,
  });
  return startWorkers({
    connection: opts.connection,
    namespace: opts.namespace,
    activities,
    trainingSlots: opts.executor === 'inprocess' ? 1 : opts.parallelism,
    workflowBundle: opts.workflowBundle,
    roles: opts.roles,
  });
}
