/**
 * Starting netgrow's workflows from a client: the workflow id is the experiment id, the
 * search attributes make `netgrow status` and the Web UI able to list and filter searches,
 * and the memo names the experiment folder.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { GrowPlan, growWorkflow, SearchInput, searchWorkflow } from '../../workflows';
import { experimentMemo, SEARCH_ATTRIBUTES, TASK_QUEUES, workflowIds } from './config';

export async function startSearch(
  client: Client,
  input: SearchInput,
): Promise<WorkflowHandle<typeof searchWorkflow>> {
  return client.workflow.start<typeof searchWorkflow>('searchWorkflow', {
    workflowId: workflowIds.search(input.experimentId),
    taskQueue: TASK_QUEUES.orchestration,
    args: [input],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.experimentId, value: input.experimentId },
      { key: SEARCH_ATTRIBUTES.strategy, value: input.config.strategy.kind },
      { key: SEARCH_ATTRIBUTES.dataset, value: input.config.dataset.name },
    ],
    memo: experimentMemo(input.config.name, input.experimentUri, input.config.strategy.kind),
  });
}

export async function startGrow(
  client: Client,
  plan: GrowPlan,
): Promise<WorkflowHandle<typeof growWorkflow>> {
  return client.workflow.start<typeof growWorkflow>('growWorkflow', {
    workflowId: workflowIds.grow(plan.experimentId),
    taskQueue: TASK_QUEUES.orchestration,
    args: [plan],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.experimentId, value: plan.experimentId },
      { key: SEARCH_ATTRIBUTES.strategy, value: 'plan' },
      { key: SEARCH_ATTRIBUTES.dataset, value: plan.config.dataset.name },
    ],
    memo: experimentMemo(plan.config.name, plan.experimentUri, 'plan'),
  });
}
