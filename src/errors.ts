/**
 * The names of netgrow's error classes, by what they mean for the caller. Pure data, imported by
 * the CLI (exit codes), the activities (retry or not) and the workflow sandbox's config — one
 * list, so a new error class is classified once.
 */

/** A problem in the input: the message says what to fix, and retrying cannot help. */
export const INPUT_ERROR_NAMES: readonly string[] = [
  'UsageError',
  'ConfigError',
  'GraphError',
  'MorphError',
  'CommandError',
  'CheckpointError',
  'DatasetError',
  'SpecError',
  'StartError',
  'TeacherError',
  'ReportError',
];

/** An outage (storage, the Temporal server, a lost process): the message names what failed. */
export const OUTAGE_ERROR_NAMES: readonly string[] = [
  'StorageError',
  'DevServerError',
  'ExecutorError',
  'LogError',
];
