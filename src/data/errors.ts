/**
 * The one error type of the datasets layer. `code` is for programs (the CLI maps it to an exit
 * code, `describeDatasets` to `available: false`); the message is one line for people: what was
 * wrong, where, and how to fix it.
 */
import { NetgrowError } from '../contracts/errors';
export type DatasetErrorCode =
  /** No copy of the dataset in any place looked. */
  | 'missing'
  /** A file is there but damaged: truncated, wrong header, wrong checksum. */
  | 'corrupt'
  /** The name is not in the registry. */
  | 'unknown'
  /** The dataset spec asks for something impossible (limit beyond the set, shapes that differ). */
  | 'bad-spec'
  /** A download failed or delivered the wrong bytes. */
  | 'download'
  /** The dataset cache cannot be written (permissions, a full disk). */
  | 'cache';

export class DatasetError extends NetgrowError {
  override readonly name = 'DatasetError';
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
  ) {
    super(message, 'input');
  }
}
