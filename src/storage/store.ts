/**
 * One interface for every place netgrow keeps artifacts: `file://` folders and
 * `s3://bucket/prefix`. Keys are relative, `/`-separated paths under the store's root
 * (e.g. `experiments/e1/candidates/c3/graph.json`).
 *
 * Contract every implementation keeps:
 * - `put` is atomic per object: a reader sees the old object, the new one, or none — never
 *   a torn write (file: write to a temp name, then rename; S3: a PUT is atomic).
 * - Multi-object artifacts (a checkpoint) are published by writing their commit marker
 *   (`meta.json`) last; readers treat a folder without it as absent.
 * - Errors are `StorageError`s with a machine-readable code; credentials never appear in
 *   messages, logs or URIs returned from here.
 */
import { NetgrowError } from '../contracts/errors';
export interface ArtifactStore {
  /** The root URI, without credentials: `file:///abs/path` or `s3://bucket/prefix`. */
  readonly uri: string;
  put(key: string, body: Uint8Array | string): Promise<void>;
  /**
   * `put` for bodies produced piece by piece (large weights), with the same atomicity: if the
   * chunks throw, nothing is published and the previous object, if any, stays.
   */
  putStream(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void>;
  /** Throws StorageError code 'not_found' when absent. */
  get(key: string): Promise<Uint8Array>;
  getText(key: string): Promise<string>;
  exists(key: string): Promise<boolean>;
  /** Keys (relative to the root) that start with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /**
   * Appends a line (a newline is added) to a text object, creating it if absent (lineage.jsonl).
   * Single-writer only: on S3 it is read-modify-write, so concurrent appenders lose lines.
   */
  append(key: string, line: string): Promise<void>;
  /**
   * Appends bytes to an object in place, creating it if absent: only where the medium can
   * (file://; S3 has no append). Readers that tail a file by byte offset, as TensorBoard's
   * loader does, see it grow instead of being replaced. Single-writer; a failed call may leave
   * part of the bytes written.
   */
  appendBytes?(key: string, bytes: Uint8Array): Promise<void>;
}

/**
 * - not_found: the key is absent (never used for a missing bucket or root).
 * - bad_uri: a malformed URI, key or storage option — a configuration error, not retryable.
 * - no_bucket: the S3 bucket does not exist (create it, or pass `createBucket: true`).
 * - unavailable: network, server (5xx), throttling or disk trouble that outlived the retries.
 * - denied: missing or wrong credentials, or no permission.
 */
export type StorageErrorCode = 'not_found' | 'bad_uri' | 'no_bucket' | 'unavailable' | 'denied';

export class StorageError extends NetgrowError {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message, code === 'bad_uri' || code === 'not_found' ? 'input' : 'infrastructure');
    this.name = 'StorageError';
  }
}
