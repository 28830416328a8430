/**
 * TFRecord framing, as TensorFlow's record_writer.cc writes it:
 *   u64 little-endian length | masked crc32c(length bytes) | data | masked crc32c(data)
 * The reader exists for tests and tools; TensorBoard has its own.
 */
import { maskedCrc32c } from './crc32c';
import { LogError } from './errors';

const HEADER = 12;
const FOOTER = 4;

export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + data.length + FOOTER);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, HEADER);
  view.setUint32(HEADER + data.length, maskedCrc32c(data), true);
  return out;
}

export interface DecodedRecords {
  records: Uint8Array[];
  /** Bytes at the end that do not make a whole record (a writer stopped mid-record). */
  tornBytes: number;
}

/** Splits a TFRecord stream into records, verifying both checksums of every record. */
export function decodeRecords(bytes: Uint8Array, name = 'TFRecord stream'): DecodedRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < HEADER) break;
    const len = view.getBigUint64(at, true);
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8))) {
      throw new LogError('tfrecord', `${name}: length checksum mismatch at byte ${at}; the file is damaged`);
    }
    const end = at + HEADER + Number(len) + FOOTER;
    if (end > bytes.length) break;
    const data = bytes.subarray(at + HEADER, end - FOOTER);
    if (view.getUint32(end - FOOTER, true) !== maskedCrc32c(data)) {
      throw new LogError(
        'tfrecord',
        `${name}: data checksum mismatch in the record at byte ${at}; the file is damaged`,
      );
    }
    records.push(data);
    at = end;
  }
  return { records, tornBytes: bytes.length - at };
}
