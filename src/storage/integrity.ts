/**
 * sha256 checks for artifacts whose digests are recorded elsewhere (a checkpoint's meta.json):
 * a damaged or swapped file becomes a clear `integrity` error, never a silently wrong model.
 */
import { createHash } from 'node:crypto';
import { StorageError, type ArtifactStore } from './store';
import { toBytes } from './source';

export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(toBytes(body)).digest('hex');
}

/**
 * Writes the object and returns the sha256 of exactly the bytes written, for meta.json. With
 * `expectedSha`, bytes that do not match it are refused before anything is written.
 */
export async function putVerified(
  store: ArtifactStore,
  key: string,
  body: Uint8Array | string,
  expectedSha?: string,
): Promise<string> {
  const actual = sha256Hex(body);
  if (expectedSha !== undefined) checkDigest(store, key, expectedSha, actual, 'refusing to write');
  await store.put(key, body);
  return actual;
}

/** Reads the object and throws `integrity` unless its sha256 is `expectedSha`. */
export async function getVerified(
  store: ArtifactStore,
  key: string,
  expectedSha: string,
): Promise<Uint8Array> {
  const bytes = await store.get(key);
  checkDigest(store, key, expectedSha, sha256Hex(bytes), 'it is damaged or was replaced');
  return bytes;
}

function checkDigest(
  store: ArtifactStore,
  key: string,
  expected: string,
  actual: string,
  verdict: string,
): void {
  const wanted = expected.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(wanted)) {
    throw new StorageError(
      'integrity',
      `expected sha256 of '${key}' in ${store.uri} is not 64 hex digits ('${expected}'); fix the digest recorded for it`,
    );
  }
  if (wanted !== actual) {
    throw new StorageError(
      'integrity',
      `'${key}' in ${store.uri}: sha256 mismatch, expected ${wanted}, got ${actual}; ${verdict} — ` +
        'restore it from a copy or re-create it from its source',
    );
  }
}
