/**
 * Checks on bytes read from disk: sha256 against pinned digests, gzip streams that end early.
 * Every failure is a `DatasetError('corrupt')` naming the file and what was wrong.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors';
import { PinnedFile } from './registry';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export const isGzip = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

export function gunzip(bytes: Uint8Array, path: string): Buffer {
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw corrupt(path, `not a complete gzip stream (${(e as Error).message}); download or copy it again`);
  }
}

/** Whether the bytes are one of the pinned files (size first: it costs nothing). */
export const matchesPin = (bytes: Uint8Array, pins: readonly PinnedFile[]): boolean => {
  const sized = pins.filter((p) => p.size === bytes.length);
  if (sized.length === 0) return false;
  const digest = sha256(bytes);
  return sized.some((p) => p.sha256 === digest);
};

/** Throws unless the bytes are the pinned file. */
export function requirePin(bytes: Uint8Array, pin: PinnedFile, path: string): void {
  if (bytes.length !== pin.size) {
    throw corrupt(
      path,
      `${bytes.length} bytes, expected ${pin.size} (${pin.origin}); the file is truncated or another file`,
    );
  }
  const digest = sha256(bytes);
  if (digest !== pin.sha256) {
    throw corrupt(path, `sha256 ${digest}, expected ${pin.sha256} (${pin.origin}); download it again`);
  }
}

export const corrupt = (path: string, what: string): DatasetError =>
  new DatasetError('corrupt', `${path}: ${what}`);
