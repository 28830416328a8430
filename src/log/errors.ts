/** Errors of the log layer: a machine-readable code plus one sentence naming the file and the fix. */
import { NetgrowError } from '../contracts/errors';
export type LogErrorCode = 'csv' | 'lineage' | 'tfrecord' | 'order';

export class LogError extends NetgrowError {
  constructor(
    readonly code: LogErrorCode,
    message: string,
  ) {
    super(message, 'infrastructure');
    this.name = 'LogError';
  }
}
