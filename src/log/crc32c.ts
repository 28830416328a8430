/**
 * CRC32C (Castagnoli), the checksum TFRecord framing uses, and TensorFlow's mask over it.
 * The mask exists because a CRC over data that itself embeds CRCs is weak; see
 * tensorflow/tsl/lib/hash/crc32c.h (`Mask`).
 */
import * as CRC32C from 'crc-32/crc32c';

/** Unsigned CRC32C of `bytes`; crc32c("123456789") = 0xE3069283. */
export function crc32c(bytes: Uint8Array): number {
  return CRC32C.buf(bytes) >>> 0;
}

const MASK_DELTA = 0xa282ead8;

export function maskCrc32c(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export function maskedCrc32c(bytes: Uint8Array): number {
  return maskCrc32c(crc32c(bytes));
}
