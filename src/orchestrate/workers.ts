/**
 * netgrow's workers in this process, with production activities: the `process` executor (a
 * child `netgrow train` per run, at most `parallelism` at once) or `inprocess` (benchmarks),
 * and stores opened from each URI the workflows pass — S3 credentials come from this
 * process's environment and reach trainer processes the same way, never through history.
 */
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { InProcessExecutor } from '../executor/inprocess';
import { ProcessExecutor } from '../executor/process';
import type { TrainExecutor } from '../executor/executor';
import { openStore } from '../storage';
import { startWorkers, type NetgrowWorkers, type WorkerRole } from '../temporal/worker';

export type LocalExecutorKind = 'process' | 'inprocess';

export interface LocalWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  roles?: WorkerRole[];
  executor: LocalExecutorKind;
  /** Training runs at once. */
  parallelism: number;
  /** Activity and trainer lines worth showing (attempts, resumes, trainer errors). */
  log?: (line: string) => void;
  /** Check each mutation's function preservation (default true). */
  checkMutations?: boolean;
  workflowBundle?: WorkflowBundle;
}

export function localExecutor(kind: LocalExecutorKind, parallelism: number): TrainExecutor {
  return kind === 'process'
    ? new ProcessExecutor({ parallelism })
    : new InProcessExecutor({ log: () => undefined });
}

export async function runLocalWorkers(opts: LocalWorkerOptions): Promise<NetgrowWorkers> {
  const activities = createActivities({
    executor: localExecutor(opts.executor, opts.parallelism),
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
