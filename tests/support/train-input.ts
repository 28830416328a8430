/**
 * The train activity's input for one candidate of an experiment on local storage: a one-epoch
 * seed-ga run on small synthetic data, output in the candidate's run folder.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TrainActivityInput } from '../../src/contracts/activities';
import type { TrainSpecInput } from '../../src/contracts/train';

export function trainActivityInput(
  dir: string,
  experiment: string,
  candidateId: string,
  over: Partial<TrainSpecInput> = {},
): TrainActivityInput {
  const experimentUri = pathToFileURL(join(dir, 'experiments', experiment)).href;
  const runId = `${candidateId}-a1`;
  return {
    experimentUri,
    candidateId,
    attempt: 1,
    adjustment: {},
    spec: {
      runId,
      candidate: candidateId,
      checkpoint: 'builtin:seed-ga',
      output: `${experimentUri}/candidates/${candidateId}/runs/${runId}`,
      seed: 1,
      dataset: { name: 'synthetic:8x8x1:256:4c', validation: 0.25 },
      epochs: 1,
      ...over,
    },
  };
}
