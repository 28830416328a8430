/**
 * What a command needs from netgrow's Temporal workers without importing them: the embedded
 * mode (`netgrow search`, `resume`, `cancel`) and `netgrow worker` run workers in the CLI's
 * process, but the worker entry (worker/) sits above src/ and is handed to the CLI by the
 * program's entry point (bin/netgrow.js), so no module in src/ imports it.
 */
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import type { TrainExecutor } from './executor';

export type WorkerRole = 'orchestration' | 'training';

/** Where this process's training runs execute: a `netgrow train` child each, or in process. */
export type LocalExecutorKind = 'process' | 'inprocess';

export interface LocalWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  roles?: WorkerRole[];
  /** A local kind, or an executor built already (the Kubernetes one, checked against its cluster). */
  executor: LocalExecutorKind | TrainExecutor;
  /** Training runs at once. */
  parallelism: number;
  /** Activity and trainer lines worth showing (attempts, resumes, trainer errors). */
  log?: (line: string) => void;
  /** Check each mutation's function preservation (default true). */
  checkMutations?: boolean;
  /** A bundle made by bundleWorkflows(); bundling takes seconds, so callers reuse one. */
  workflowBundle?: WorkflowBundle;
}

export interface NetgrowWorkers {
  /** Resolves when every worker has shut down; rejects if one fails. */
  readonly done: Promise<void>;
  /** Stops polling, lets running tasks finish (activities are cancelled after the grace time). */
  shutdown(): Promise<void>;
}

/** Starts netgrow's workers in this process (worker/index.ts `runLocalWorkers`). */
export type StartLocalWorkers = (opts: LocalWorkerOptions) => Promise<NetgrowWorkers>;
