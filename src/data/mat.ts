/**
 * Just enough of the MATLAB level-5 MAT-file format to read numeric arrays, compressed or not:
 * the form SVHN's cropped digits come in (`train_32x32.mat`: X 32x32x3xN uint8, y Nx1).
 * Format: 128-byte header, then data elements (tag: type, byte count; "small" elements pack both
 * in 4 bytes), miCOMPRESSED elements holding a zlib stream of one miMATRIX. See MathWorks,
 * "MAT-File Format", chapter 1 (Level 5).
 */
import { inflateSync } from 'node:zlib';
import { corrupt } from './integrity';

export interface MatArray {
  name: string;
  /** MATLAB dimensions; data is column-major (first dimension fastest). */
  dims: number[];
  /** uint8 data stays bytes (a view); every other numeric type becomes float64. */
  data: Uint8Array | Float64Array;
}

const MI = { INT8: 1, UINT8: 2, MATRIX: 14, COMPRESSED: 15 } as const;
const NUMERIC: Record<number, { bytes: number; read: (v: DataView, at: number) => number }> = {
  1: { bytes: 1, read: (v, at) => v.getInt8(at) },
  2: { bytes: 1, read: (v, at) => v.getUint8(at) },
  3: { bytes: 2, read: (v, at) => v.getInt16(at, true) },
  4: { bytes: 2, read: (v, at) => v.getUint16(at, true) },
  5: { bytes: 4, read: (v, at) => v.getInt32(at, true) },
  6: { bytes: 4, read: (v, at) => v.getUint32(at, true) },
  7: { bytes: 4, read: (v, at) => v.getFloat32(at, true) },
  9: { bytes: 8, read: (v, at) => v.getFloat64(at, true) },
  12: { bytes: 8, read: (v, at) => Number(v.getBigInt64(at, true)) },
  13: { bytes: 8, read: (v, at) => Number(v.getBigUint64(at, true)) },
};

interface Element {
  type: number;
  data: Uint8Array;
  next: number;
}

/** The named numeric arrays of a MAT v5 file (others are skipped). */
export function readMat(bytes: Uint8Array, path: string, wanted: readonly string[]): Map<string, MatArray> {
  if (bytes.length < 128) throw corrupt(path, `${bytes.length} bytes is too short for a MAT-file`);
  const head = Buffer.from(bytes.subarray(0, 116)).toString('latin1');
  if (
    head.startsWith('MATLAB 7.3') ||
    Buffer.from(bytes.subarray(512, 516)).toString('latin1') === '\x89HDF'
  ) {
    throw corrupt(path, 'a MATLAB v7.3 (HDF5) file; netgrow reads level-5 MAT-files (save with -v7 or -v6)');
  }
  const endian = Buffer.from(bytes.subarray(126, 128)).toString('latin1');
  if (endian === 'MI') throw corrupt(path, 'a big-endian MAT-file; netgrow reads little-endian ones');
  if (endian !== 'IM') throw corrupt(path, 'not a level-5 MAT-file (no endian indicator at byte 126)');
  const found = new Map<string, MatArray>();
  let offset = 128;
  while (offset + 8 <= bytes.length && found.size < wanted.length) {
    const el = element(bytes, offset, path);
    // Top-level elements follow each other without padding after compressed ones (as scipy reads them).
    offset = el.type === MI.COMPRESSED ? offset + 8 + el.data.length : el.next;
    let matrix = el;
    if (el.type === MI.COMPRESSED) {
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(el.data);
      } catch (e) {
        throw corrupt(path, `a compressed variable does not inflate (${(e as Error).message})`);
      }
      matrix = element(inflated, 0, path);
    }
    if (matrix.type !== MI.MATRIX) continue;
    const array = readMatrix(matrix.data, path);
    if (array && wanted.includes(array.name)) found.set(array.name, array);
  }
  return found;
}

function element(bytes: Uint8Array, offset: number, path: string): Element {
  if (offset + 8 > bytes.length)
    throw corrupt(path, `truncated: a data element at byte ${offset} has no room for its tag`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 8);
  const first = view.getUint32(0, true);
  if (first >>> 16 !== 0) {
    const size = first >>> 16;
    if (size > 4) throw corrupt(path, `damaged small data element at byte ${offset}`);
    return { type: first & 0xffff, data: bytes.subarray(offset + 4, offset + 4 + size), next: offset + 8 };
  }
  const size = view.getUint32(4, true);
  const start = offset + 8;
  if (start + size > bytes.length) {
    throw corrupt(
      path,
      `truncated: a data element at byte ${offset} needs ${size} bytes, ${bytes.length - start} remain`,
    );
  }
  return { type: first, data: bytes.subarray(start, start + size), next: start + Math.ceil(size / 8) * 8 };
}

/** A miMATRIX body: flags, dimensions, name, real part; null for non-numeric classes. */
function readMatrix(body: Uint8Array, path: string): MatArray | null {
  const flags = element(body, 0, path);
  const mxClass = new DataView(flags.data.buffer, flags.data.byteOffset, 4).getUint32(0, true) & 0xff;
  // 6..15: double, single, int8..uint64. Cells, structs, chars and sparse arrays are skipped.
  if (mxClass < 6 || mxClass > 15) return null;
  const dimsEl = element(body, flags.next, path);
  const dv = new DataView(dimsEl.data.buffer, dimsEl.data.byteOffset, dimsEl.data.byteLength);
  const dims = Array.from({ length: dimsEl.data.length / 4 }, (_, i) => dv.getInt32(4 * i, true));
  const nameEl = element(body, dimsEl.next, path);
  const name = Buffer.from(nameEl.data).toString('latin1');
  const real = element(body, nameEl.next, path);
  const count = dims.reduce((a, b) => a * b, 1);
  if (real.type === MI.UINT8 || real.type === MI.INT8) {
    if (real.data.length !== count)
      throw corrupt(
        path,
        `variable '${name}' holds ${real.data.length} values, its dimensions ${dims.join('x')} say ${count}`,
      );
    if (real.type === MI.UINT8) return { name, dims, data: real.data };
  }
  const kind = NUMERIC[real.type];
  if (!kind)
    throw corrupt(path, `variable '${name}' has data type ${real.type}, which netgrow does not read`);
  if (real.data.length !== count * kind.bytes) {
    throw corrupt(
      path,
      `variable '${name}' holds ${real.data.length / kind.bytes} values, its dimensions ${dims.join('x')} say ${count}`,
    );
  }
  const view = new DataView(real.data.buffer, real.data.byteOffset, real.data.byteLength);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = kind.read(view, i * kind.bytes);
  return { name, dims, data };
}
