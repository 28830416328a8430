/** report: renders the experiment's HTML report (report/index.html) from what storage holds. */
import type { ReportInput, ReportOutput } from './types';
import { writeReport } from '../src/report';
import { ActivityDeps } from './context';

export function reportActivity(deps: ActivityDeps) {
  return async function report(input: ReportInput): Promise<ReportOutput> {
    const written = await writeReport(deps.openStore(input.experimentUri), '');
    return { uri: written.uri };
  };
}
