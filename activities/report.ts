/** report: renders the experiment's HTML report (report/index.html) and HParams sessions from what storage holds. */
import type { ReportInput, ReportOutput } from '../src/contracts/activities';
import { refreshExperimentViews } from '../src/report';
import { ActivityDeps } from './context';
import { failingClearly } from './failures';

export function reportActivity(deps: ActivityDeps) {
  return (input: ReportInput): Promise<ReportOutput> =>
    failingClearly(`report ${input.experimentId}`, async () => {
      const written = await refreshExperimentViews(deps.openStore(input.experimentUri), '');
      deps.log?.(`${input.experimentId}: report written (${written.keys.length} files) to ${written.uri}`);
      return { uri: written.uri, operations: written.operations };
    });
}
