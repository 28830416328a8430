/**
 * IDX files (MNIST, Fashion-MNIST): a 4-byte magic (0, 0, data type, number of dimensions), the
 * dimensions as big-endian uint32, then the data row-major. netgrow reads the unsigned-byte type
 * (0x08), gzip'd or not. See http://yann.lecun.com/exdb/mnist/ ("FILE FORMATS").
 */
import { readFileSync } from 'node:fs';
import { corrupt, gunzip, isGzip, matchesPin, sha256 } from './integrity';
import { badLabel, RawDataset, RawSplit, Verification, weakest } from './raw';
import { DatasetEntry, IdxFile, IdxSource } from './registry';

export interface IdxArray {
  dims: number[];
  /** A view into the file's bytes, no copy. */
  data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

export function parseIdx(bytes: Uint8Array, path: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw corrupt(
      path,
      'not an IDX file (it must start with two zero bytes, a type byte and a dimension count)',
    );
  }
  if (bytes[2] !== UBYTE) {
    const type = TYPE_NAMES[bytes[2]] ?? `unknown type 0x${bytes[2].toString(16)}`;
    throw corrupt(path, `IDX data type ${type}; netgrow reads unsigned-byte (0x08) IDX files`);
  }
  const ndims = bytes[3];
  const header = 4 + 4 * ndims;
  if (ndims < 1 || bytes.length < header) throw corrupt(path, `truncated IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const held = bytes.length - header;
  if (held < size) {
    throw corrupt(
      path,
      `truncated: the header says ${dims.join('x')} (${size} bytes of data), the file holds ${held}`,
    );
  }
  if (held > size) throw corrupt(path, `${held - size} unexpected bytes after the ${dims.join('x')} data`);
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, size) };
}

/** Reads one IDX file (gzip'd or not) and checks it against what the registry pins. */
export function readIdxFile(path: string, pins: IdxFile | null): { array: IdxArray; verified: Verification } {
  const bytes = readFileSync(path);
  let verified: Verification = 'structure';
  let raw: Uint8Array = bytes;
  if (isGzip(bytes)) {
    if (pins && matchesPin(bytes, pins.gz)) verified = 'sha256';
    raw = gunzip(bytes, path);
  }
  if (pins && verified !== 'sha256') {
    if (raw.length !== pins.rawSize) {
      throw corrupt(
        path,
        `${raw.length} bytes of IDX data, expected ${pins.rawSize}; the file is truncated or another file`,
      );
    }
    if (pins.rawSha256) {
      const digest = sha256(raw);
      if (digest !== pins.rawSha256)
        throw corrupt(path, `sha256 of its content is ${digest}, expected ${pins.rawSha256}`);
      verified = 'sha256';
    }
  }
  return { array: parseIdx(raw, path), verified };
}

export interface IdxPaths {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

/** The four files of an IDX dataset; `verify: false` skips the pinned sizes and digests. */
export function readIdxDataset(
  entry: DatasetEntry,
  paths: IdxPaths,
  where: string,
  verify: boolean,
): RawDataset {
  const source = entry.source as IdxSource;
  const levels: Verification[] = [];
  const read = (key: keyof IdxPaths): IdxArray => {
    const { array, verified } = readIdxFile(paths[key], verify ? source[key] : null);
    levels.push(verified);
    return array;
  };
  const split = (images: keyof IdxPaths, labels: keyof IdxPaths): RawSplit => {
    const x = read(images);
    const y = read(labels);
    const [h, w] = entry.inputShape;
    if (x.dims.length !== 3 || x.dims[1] !== h || x.dims[2] !== w) {
      throw corrupt(paths[images], `images are ${x.dims.join('x')}, ${entry.name} has Nx${h}x${w}`);
    }
    if (y.dims.length !== 1)
      throw corrupt(paths[labels], `labels are ${y.dims.join('x')}, expected one dimension`);
    if (y.dims[0] !== x.dims[0]) {
      throw corrupt(paths[labels], `${y.dims[0]} labels for the ${x.dims[0]} images of ${paths[images]}`);
    }
    const labelsI32 = Int32Array.from(y.data);
    const bad = badLabel(labelsI32, entry.classNames.length);
    if (bad) throw corrupt(paths[labels], bad);
    return { images: x.data, labels: labelsI32, count: x.dims[0] };
  };
  return {
    entry,
    train: split('trainImages', 'trainLabels'),
    test: split('testImages', 'testLabels'),
    where,
    verified: weakest(levels),
  };
}
