/** Errors of the log layer: a machine-readable code plus one sentence naming the file and the fix. */
export type LogErrorCode = 'csv' | 'lineage' | 'tfrecord' | 'order';

export class LogError extends Error {
  constructor(
    readonly code: LogErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LogError';
  }
}
