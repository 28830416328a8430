/**
 * Which exit code an error of a training run maps to: input the user can fix (spec, start
 * checkpoint, teacher, dataset) is `badInput`; storage outages, backend failures and bugs are
 * `infrastructure`, which an orchestrator may retry.
 */
import { StorageError } from '../storage/store';
import { TRAIN_EXIT } from '../contracts/train';

const INPUT_ERRORS = new Set([
  'SpecError',
  'StartError',
  'TeacherError',
  'GraphError',
  'CheckpointError',
  'DatasetError',
  'UsageError',
]);

export function exitCodeFor(e: unknown): number {
  if (e instanceof StorageError) {
    return e.code === 'bad_uri' || e.code === 'not_found' ? TRAIN_EXIT.badInput : TRAIN_EXIT.infrastructure;
  }
  if (e instanceof Error && INPUT_ERRORS.has(e.name)) return TRAIN_EXIT.badInput;
  return TRAIN_EXIT.infrastructure;
}
