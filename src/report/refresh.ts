/**
 * The views of an experiment that follow its storage — the HTML report and TensorBoard's
 * HParams sessions — rewritten together: after each candidate's training, and at the end.
 */
import type { OperationStat } from '../contracts/search';
import { ArtifactStore } from '../storage/store';
import { writeSearchHParams } from './hparams';
import { writeReport } from './report';

export async function refreshExperimentViews(
  store: ArtifactStore,
  experimentPrefix: string,
): Promise<{ uri: string; keys: string[]; operations: OperationStat[] }> {
  const report = await writeReport(store, experimentPrefix);
  const hparams = await writeSearchHParams(store, experimentPrefix);
  return { uri: report.uri, keys: [...report.keys, ...hparams], operations: report.operations };
}
