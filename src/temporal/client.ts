/**
 * Starting netgrow's workflows from a client: the workflow id is the experiment id, the
 * search attributes make `netgrow status` and the Web UI able to list and filter searches,
 * and the memo names the experiment folder.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { GrowPlan, growWorkflow, SearchInput, searchWorkflow } from '../../workflows';
import { experimentMemo, SEARCH_ATTRIBUTES, TASK_QUEUES, workflowIds } from './config';

/** What both workflows are started with: the ids, the queue, and the attributes and memo that list them. */
function experimentStart<A>(
  workflowId: string,
  arg: A & { experimentId: string; experimentUri: string; config: SearchInput['config'] },
  strategy: string,
) {
  return {
    workflowId,
    taskQueue: TASK_QUEUES.orchestration,
    args: [arg] as [A],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.experimentId, value: arg.experimentId },
      { key: SEARCH_ATTRIBUTES.strategy, value: strategy },
      { key: SEARCH_ATTRIBUTES.dataset, value: arg.config.dataset.name },
    ],
    memo: experimentMemo(arg.config.name, arg.experimentUri, strategy),
  };
}

export async function startSearch(
  client: Client,
  input: SearchInput,
): Promise<WorkflowHandle<typeof searchWorkflow>> {
  return client.workflow.start<typeof searchWorkflow>(
    'searchWorkflow',
    experimentStart(workflowIds.search(input.experimentId), input, input.config.strategy.kind),
  );
}

export async function startGrow(
  client: Client,
  plan: GrowPlan,
): Promise<WorkflowHandle<typeof growWorkflow>> {
  return client.workflow.start<typeof growWorkflow>(
    'growWorkflow',
    experimentStart(workflowIds.grow(plan.experimentId), plan, 'plan'),
  );
}
