/**
 * The sha256 of an artifact's bytes, as a checkpoint's meta.json records it (src/model/checkpoint.ts
 * checks every file against it before decoding).
 */
import { createHash } from 'node:crypto';
import { toBytes } from './source';

export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(toBytes(body)).digest('hex');
}
