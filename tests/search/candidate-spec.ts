/** The TrainSpec a search config gives its first attempt at candidate g1-c0: what specs carry. */
import { TrainSpec } from '../../src/contracts/train';
import type { SearchConfig } from '../../src/search/config';
import { attemptSpec, candidateSettings } from '../../src/search/train-spec';

export const specOf = (config: SearchConfig): TrainSpec =>
  TrainSpec.parse(
    attemptSpec({
      experimentUri: 'file:///x/experiments/e',
      candidateId: 'g1-c0',
      checkpoint: 'file:///x/experiments/e/candidates/g1-c0',
      seed: 1,
      settings: candidateSettings(config),
      teacher: null,
      attempt: 1,
    }).spec,
  );
