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
export interface ArtifactStore {
  /** The root URI, without credentials: `file:///abs/path` or `s3://bucket/prefix`. */
  readonly uri: string;
  put(key: string, body: Uint8Array | string): Promise<void>;
  /** Throws StorageError code 'not_found' when absent. */
  get(key: string): Promise<Uint8Array>;
  getText(key: string): Promise<string>;
  exists(key: string): Promise<boolean>;
  /** Keys (relative to the root) that start with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /** Appends a line to a text object (lineage.jsonl). Not atomic across writers. */
  append(key: string, line: string): Promise<void>;
}

export type StorageErrorCode = 'not_found' | 'integrity' | 'bad_uri' | 'unavailable' | 'denied';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
