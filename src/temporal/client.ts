/**
 * Starting netgrow's workflows from a client: the workflow id is the experiment id, the
 * search attributes make `netgrow status` and the Web UI able to list and filter searches,
 * and the memo names the experiment folder.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { GrowResult, SearchResult } from '../contracts/search';
import type { SearchConfig } from '../search/config';
import type { SearchExecutorSettings } from '../contracts/executor-settings';
import { WorkflowNotFoundError } from '@temporalio/common';
import { experimentMemo, SEARCH_ATTRIBUTES, TASK_QUEUES, workflowIds } from './config';

/** The first input of the search and grow workflows (workflows/search.ts, grow.ts). */
export interface ExperimentStart {
  experimentId: string;
  /** Absolute URI of `<storage>/experiments/<experimentId>`. */
  experimentUri: string;
  /** A validated config (for grow, one whose strategy is a plan). */
  config: SearchConfig;
  /**
   * The fields of the config's kubernetes `executor` section its user set (the config itself
   * has the schema's defaults filled in); absent when none.
   */
  executorSettings?: SearchExecutorSettings;
}

/**
 * What both workflows are started with: the ids, the queue, and the attributes and memo that
 * list them. Started by type name, so this client side never loads workflow code.
 */
function experimentStart(workflowId: string, arg: ExperimentStart, strategy: string) {
  return {
    workflowId,
    taskQueue: TASK_QUEUES.orchestration,
    args: [arg] as [ExperimentStart],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.experimentId, value: arg.experimentId },
      { key: SEARCH_ATTRIBUTES.strategy, value: strategy },
      { key: SEARCH_ATTRIBUTES.dataset, value: arg.config.dataset.name },
    ],
    memo: experimentMemo(arg.config.name, arg.experimentUri, strategy),
  };
}

/** The workflows' signatures as a client sees them (the code itself runs only in workers). */
type SearchWorkflow = (input: ExperimentStart) => Promise<SearchResult>;
type GrowWorkflow = (plan: ExperimentStart) => Promise<GrowResult>;

export async function startSearch(
  client: Client,
  input: ExperimentStart,
): Promise<WorkflowHandle<SearchWorkflow>> {
  return client.workflow.start<SearchWorkflow>(
    'searchWorkflow',
    experimentStart(workflowIds.search(input.experimentId), input, input.config.strategy.kind),
  );
}

export async function startGrow(
  client: Client,
  plan: ExperimentStart,
): Promise<WorkflowHandle<GrowWorkflow>> {
  return client.workflow.start<GrowWorkflow>(
    'growWorkflow',
    experimentStart(workflowIds.grow(plan.experimentId), plan, 'plan'),
  );
}

/**
 * Whether the search or grow of `experimentId` still runs (its workflow is open); false when
 * Temporal has no such workflow. Throws when Temporal cannot be asked: a caller deciding to
 * delete a search's pods must not take "unknown" for "finished".
 */
export async function searchRunning(client: Client, experimentId: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(workflowIds.search(experimentId)).describe();
    return d.status.name === 'RUNNING';
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  }
}
