/** recordLineage: appends events to the experiment's lineage.jsonl (the workflow is the only writer). */
import type { RecordLineageInput } from './types';
import { appendLineage } from '../src/log/lineage';
import { ActivityDeps } from './context';

export function recordLineageActivity(deps: ActivityDeps) {
  return async function recordLineage(input: RecordLineageInput): Promise<void> {
    const store = deps.openStore(input.experimentUri);
    for (const event of input.events) await appendLineage(store, 'lineage.jsonl', event);
  };
}
