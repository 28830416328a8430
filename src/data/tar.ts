/**
 * Just enough of tar (POSIX ustar, with GNU long names and pax path records) to take the member
 * files out of a dataset archive in memory. Members are views into the archive's bytes.
 */
import { corrupt } from './integrity';

const BLOCK = 512;

/** The regular files of an (uncompressed) tar archive, by path inside it. */
export function readTar(bytes: Uint8Array, path: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let longName: string | null = null;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return files;
    checkHeaderSum(header, path, offset);
    const size = readSize(header, path, offset);
    const type = String.fromCharCode(header[156] || 0x30);
    const start = offset + BLOCK;
    if (start + size > bytes.length) {
      throw corrupt(
        path,
        `truncated tar archive: member at byte ${offset} needs ${size} bytes, ${bytes.length - start} remain`,
      );
    }
    const body = bytes.subarray(start, start + size);
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = null;
    if (type === 'L') longName = text(body, 0, body.length);
    else if (type === 'x') longName = paxPath(body);
    else if (type === '0' || type === '7') files.set(name, body);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  // Archives end with zero blocks; running out of bytes first means the file was cut short.
  throw corrupt(
    path,
    `truncated tar archive: it ends at byte ${bytes.length} without the end-of-archive blocks`,
  );
}

function checkHeaderSum(header: Uint8Array, path: string, offset: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  const stored = parseInt(text(header, 148, 8).trim() || 'x', 8);
  if (stored !== sum)
    throw corrupt(path, `damaged tar header at byte ${offset} (checksum ${stored}, computed ${sum})`);
}

function readSize(header: Uint8Array, path: string, offset: number): number {
  if (header[124] & 0x80) {
    // GNU base-256 for members of 8 GiB and more.
    let n = 0;
    for (let i = 125; i < 136; i++) n = n * 256 + header[i];
    return n;
  }
  const n = parseInt(text(header, 124, 12).trim() || '0', 8);
  if (!Number.isFinite(n)) throw corrupt(path, `damaged tar header at byte ${offset} (size field)`);
  return n;
}

function text(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(field.subarray(0, end === -1 ? field.length : end)).toString('utf8');
}

/** A pax extended header's `path=` record, when it has one. */
function paxPath(body: Uint8Array): string | null {
  for (const line of Buffer.from(body).toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return null;
}
