/**
 * netgrow's Temporal activities: thin adapters from the workflows to src/. Production passes
 * the process (or Kubernetes) executor and S3-capable stores; tests pass the in-process
 * executor and temp folders. Nothing else differs.
 */
import type { Activities } from '../src/contracts/activities';
import { ActivityDeps } from './context';
import { evaluateActivity, testFinalistsActivity } from './evaluate';
import { recordLineageActivity } from './lineage';
import { mutateActivity } from './mutate';
import { reportActivity } from './report';
import { trainActivity } from './train';

export type { Activities, ActivityDeps };

export function createActivities(deps: ActivityDeps): Activities {
  return {
    mutate: mutateActivity(deps),
    train: trainActivity(deps),
    evaluate: evaluateActivity(deps),
    testFinalists: testFinalistsActivity(deps),
    report: reportActivity(deps),
    recordLineage: recordLineageActivity(deps),
  };
}
