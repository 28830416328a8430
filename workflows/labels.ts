/**
 * The search attributes and memo that let `netgrow status`, visibility queries and the Web
 * UI find an experiment's workflows. A client that starts them through src/temporal/client
 * sets them already; any other start (the CLI of another version, `temporal workflow start`)
 * gets them here. Only what is missing is upserted: continueAsNew carries the attributes, but
 * not a memo upserted by an earlier run, so each run checks.
 */
import { upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { experimentMemo, SEARCH_ATTRIBUTES } from '../src/temporal/config';

export function labelExperiment(
  experimentId: string,
  experimentUri: string,
  name: string,
  strategy: string,
  dataset: string,
): void {
  const info = workflowInfo();
  const wanted = [
    { key: SEARCH_ATTRIBUTES.experimentId, value: experimentId },
    { key: SEARCH_ATTRIBUTES.strategy, value: strategy },
    { key: SEARCH_ATTRIBUTES.dataset, value: dataset },
  ];
  const missing = wanted.filter(({ key, value }) => info.typedSearchAttributes.get(key) !== value);
  if (missing.length > 0) upsertSearchAttributes(missing);
  const memo = experimentMemo(name, experimentUri, strategy);
  if (Object.entries(memo).some(([k, v]) => info.memo?.[k] !== v)) upsertMemo(memo);
}
