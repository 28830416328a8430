/**
 * The one place for everything Temporal-specific that more than one file needs: namespace,
 * task queues, dev-server ports, search attributes, workflow ids and activity timeouts.
 * Workflow code imports this module, so it holds constants and pure functions only (no
 * `process`, no I/O): it is bundled into the workflow sandbox.
 */
import { BAD_INPUT, TRAIN_OUT_OF_MEMORY } from '../contracts/errors';
import { DEFAULT_NAMESPACE } from '../contracts/search';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/common';

/** The dev server always has `default`; a cluster's namespace comes from the search config. */
export const NAMESPACE = DEFAULT_NAMESPACE;

/**
 * Two queues so that a cluster can run training on separate, GPU-backed workers whose
 * concurrency is the executor's parallelism, while workflows and the cheap activities
 * (mutate, report, lineage) run anywhere. Scoring checkpoints (evaluate, testFinalists) is
 * compute: it runs on the training queue.
 */
export const TASK_QUEUES = {
  orchestration: 'netgrow',
  training: 'netgrow-train',
} as const;

/** Loopback only: the embedded server is for one machine, never exposed. */
export const DEV_SERVER = { ip: '127.0.0.1', port: 7233, uiPort: 8233 } as const;
export const DEFAULT_ADDRESS = `${DEV_SERVER.ip}:${DEV_SERVER.port}`;

export const SEARCH_ATTRIBUTES = {
  experimentId: defineSearchAttributeKey('NetgrowExperimentId', SearchAttributeType.KEYWORD),
  strategy: defineSearchAttributeKey('NetgrowStrategy', SearchAttributeType.KEYWORD),
  dataset: defineSearchAttributeKey('NetgrowDataset', SearchAttributeType.KEYWORD),
  bestValAcc: defineSearchAttributeKey('NetgrowBestValAcc', SearchAttributeType.DOUBLE),
  generation: defineSearchAttributeKey('NetgrowGeneration', SearchAttributeType.INT),
} as const;

/** The type names `temporal server start-dev --search-attribute NAME=Type` expects. */
const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export function searchAttributeFlags(): string[] {
  return Object.values(SEARCH_ATTRIBUTES).flatMap((key) => [
    '--search-attribute',
    `${key.name}=${CLI_TYPE_NAMES[key.type]}`,
  ]);
}

/**
 * Workflow ids. The search's id is the experiment id, so `netgrow status <experimentId>`
 * finds it without a lookup; children are namespaced under it.
 */
export const workflowIds = {
  search: (experimentId: string) => experimentId,
  grow: (experimentId: string) => experimentId,
  candidate: (experimentId: string, candidateId: string) => `${experimentId}.${candidateId}`,
};

/** The memo of a search or grow workflow: enough for `netgrow status` to find its files. */
export function experimentMemo(
  name: string,
  experimentUri: string,
  strategy: string,
): Record<string, string> {
  return { name, experimentUri, strategy };
}

/**
 * Failure types no retry can fix. The activity adapters raise every input error as a
 * non-retryable failure already (typed with its class name, activities/failures.ts); this
 * list covers the generic type for failures raised without that flag.
 */
export const NON_RETRYABLE_ERRORS: string[] = [BAD_INPUT];

const retry = (maximumAttempts?: number): RetryPolicy => ({
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '5m',
  maximumAttempts,
  nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
});

/**
 * Training may take hours, so its liveness is the heartbeat, not the start-to-close limit;
 * a retry resumes from the run's last epoch checkpoint (TrainSpec.resume), so retrying an
 * interrupted run costs at most one epoch. Lineage and the report retry without limit: a
 * storage outage should hold a search up, never lose its history or fail it.
 *
 * Train and evaluate fail fast while storage is unreachable, so their attempts must outlast
 * an outage: 20 attempts back off over about an hour (1 s doubling to 5 min). With 5 (15 s of
 * backoff), a 30 s S3 outage failed candidates in the chaos run (docs/RELIABILITY.md).
 */
export const ACTIVITY_OPTIONS = {
  mutate: { startToCloseTimeout: '15m', retry: retry(10) },
  train: {
    taskQueue: TASK_QUEUES.training,
    startToCloseTimeout: '7d',
    // The trainer must heartbeat from a timer (every few seconds), not only per epoch: an
    // epoch can outlast this, and cancellation reaches an activity only through heartbeats.
    heartbeatTimeout: '1m',
    // A cancelled search ends only once its training processes or pods have stopped (the
    // SDK's effective default, TRY_CANCEL, would leave them running unobserved).
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    retry: retry(20),
  },
  // The same, for a candidate that retries an OOM-killed run itself with a smaller batch.
  trainOomToWorkflow: {
    taskQueue: TASK_QUEUES.training,
    startToCloseTimeout: '7d',
    heartbeatTimeout: '1m',
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    retry: { ...retry(20), nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS, TRAIN_OUT_OF_MEMORY] },
  },
  // Scoring runs in a child process on the training queue: it is compute, and takes a slot.
  evaluate: {
    taskQueue: TASK_QUEUES.training,
    startToCloseTimeout: '1h',
    heartbeatTimeout: '1m',
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    retry: retry(20),
  },
  testFinalists: {
    taskQueue: TASK_QUEUES.training,
    startToCloseTimeout: '2h',
    heartbeatTimeout: '1m',
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    retry: retry(20),
  },
  bookkeeping: { startToCloseTimeout: '10m', retry: retry() },
} satisfies Record<string, ActivityOptions>;
