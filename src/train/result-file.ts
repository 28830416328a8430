/**
 * `result.json`, a run's last write: finishRun writes it, and whoever asks "did this run already
 * finish?" (the train activity after a worker crash, a driver run again over its output) reads
 * it back here.
 */
import { TrainResult } from '../contracts/train';
import { ArtifactStore, StorageError } from '../storage/store';

export const RESULT_FILE = 'result.json';

/**
 * The run's result in `out`; null when there is none yet, or only one torn by a crash mid-write
 * or in another format (the run trains again). Any other storage failure is thrown: an S3
 * outage is not "never finished".
 */
export async function readResultFile(out: ArtifactStore): Promise<TrainResult | null> {
  let text: string;
  try {
    text = await out.getText(RESULT_FILE);
  } catch (e) {
    if (e instanceof StorageError && e.code === 'not_found') return null;
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = TrainResult.safeParse(json);
  return parsed.success ? parsed.data : null;
}
