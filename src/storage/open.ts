import { FileStore } from './file-store';
import type { S3Options } from './s3-config';
import { S3Store } from './s3-store';
import type { ArtifactStore } from './store';
import { parseUri } from './uri';

/**
 * The store behind a URI: `file:///abs/path`, `file://./rel/path` or a plain path (relative to
 * the current folder), or `s3://bucket/prefix`. `opts` apply to S3 only. Nothing is contacted
 * until the first operation.
 */
export function openStore(uri: string, opts?: S3Options): ArtifactStore {
  const location = parseUri(uri);
  return location.kind === 'file'
    ? new FileStore(location.path)
    : new S3Store(location.bucket, location.prefix, opts);
}
