/**
 * Writers for the real on-disk formats netgrow reads — IDX, CIFAR binary records, MAT level 5 —
 * so loaders are tested on files laid out byte for byte like the published ones, only smaller.
 * Archives are made with the system `tar`, a reader independent of ours.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import type { TestContext } from 'node:test';

/** A temporary folder removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'netgrow-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function write(path: string, bytes: Uint8Array): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

/** An unsigned-byte IDX file: 0, 0, 0x08, ndims, big-endian dims, data. */
export function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

export interface TinySet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Images whose pixels encode (image, position) so a misplaced byte is seen; labels cycle. */
export function tinySet(count: number, per: number, classes: number, salt = 0): TinySet {
  const images = new Uint8Array(count * per);
  for (let i = 0; i < images.length; i++) images[i] = (i * 7 + salt * 13 + Math.floor(i / per) * 31) % 256;
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 3 + salt) % classes);
  return { images, labels, count };
}

/** The four MNIST-style files of a tiny dataset in `dir`. */
export function writeIdxDataset(
  dir: string,
  opts: { train: number; test: number; side?: number; classes?: number; gzip?: boolean },
): { train: TinySet; test: TinySet } {
  const side = opts.side ?? 28;
  const classes = opts.classes ?? 10;
  const train = tinySet(opts.train, side * side, classes, 1);
  const test = tinySet(opts.test, side * side, classes, 2);
  const put = (name: string, bytes: Uint8Array) =>
    write(
      join(dir, opts.gzip === false ? name : `${name}.gz`),
      opts.gzip === false ? bytes : gzipSync(bytes),
    );
  put('train-images-idx3-ubyte', idxBytes([train.count, side, side], train.images));
  put('train-labels-idx1-ubyte', idxBytes([train.count], train.labels));
  put('t10k-images-idx3-ubyte', idxBytes([test.count, side, side], test.images));
  put('t10k-labels-idx1-ubyte', idxBytes([test.count], test.labels));
  return { train, test };
}

/** CIFAR binary records from NHWC images: label byte(s), then the red, green and blue planes. */
export function cifarRecords(set: TinySet, labelBytes: 1 | 2): Uint8Array {
  const image = 32 * 32 * 3;
  const size = labelBytes + image;
  const out = new Uint8Array(set.count * size);
  for (let i = 0; i < set.count; i++) {
    const r = i * size;
    if (labelBytes === 2) out[r] = 99; // coarse label: netgrow must ignore it
    out[r + labelBytes - 1] = set.labels[i];
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) out[r + labelBytes + c * 1024 + p] = set.images[i * image + p * 3 + c];
    }
  }
  return out;
}

/** `tar czf <archive> -C <dir> <member>` with the system tar. */
export function tarGz(archive: string, dir: string, member: string): string {
  execFileSync('tar', ['czf', archive, '-C', dir, member]);
  return archive;
}

export interface MatVar {
  name: string;
  dims: number[];
  /** miUINT8 or miDOUBLE storage. */
  data: Uint8Array | Float64Array;
  /** Store as mxDOUBLE_CLASS although the data is stored as bytes (MATLAB does this). */
  classDouble?: boolean;
  compress?: boolean;
}

/** A little-endian MAT level-5 file (header, one miMATRIX per variable, optionally miCOMPRESSED). */
export function matBytes(vars: MatVar[]): Uint8Array {
  const header = Buffer.alloc(128, 0x20);
  header.write('MATLAB 5.0 MAT-file, written by netgrow tests', 0, 'latin1');
  header.fill(0, 116, 124);
  header.writeUInt16LE(0x0100, 124);
  header.write('IM', 126, 'latin1');
  const parts: Buffer[] = [header];
  for (const v of vars) {
    const isBytes = v.data instanceof Uint8Array;
    const mxClass = v.classDouble || !isBytes ? 6 : 9;
    const body = Buffer.concat([
      el(6, u32le([mxClass, 0])),
      el(5, Buffer.from(Int32Array.from(v.dims).buffer)),
      el(1, Buffer.from(v.name, 'latin1')),
      el(isBytes ? 2 : 9, Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength)),
    ]);
    const matrix = tag(14, body.length, body);
    parts.push(v.compress ? tagNoPad(15, deflateSync(matrix)) : matrix);
  }
  return Buffer.concat(parts);
}

const u32le = (xs: number[]): Buffer => Buffer.from(Uint32Array.from(xs).buffer);

/** A data element, the small form when the data fits in 4 bytes (as MATLAB writes names). */
function el(type: number, data: Buffer): Buffer {
  if (data.length <= 4) {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(type, 0);
    b.writeUInt16LE(data.length, 2);
    data.copy(b, 4);
    return b;
  }
  return tag(type, data.length, data);
}

function tag(type: number, size: number, data: Buffer): Buffer {
  const padded = Math.ceil(data.length / 8) * 8;
  const b = Buffer.alloc(8 + padded);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(size, 4);
  data.copy(b, 8);
  return b;
}

function tagNoPad(type: number, data: Buffer): Buffer {
  const b = Buffer.alloc(8 + data.length);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(data.length, 4);
  data.copy(b, 8);
  return b;
}

/** Place options that see only the given folders: no system folders, no real cache or env. */
export function isolated(dir: string, extra: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}) {
  return { cacheRoot: join(dir, 'cache'), system: false, env: extra.env ?? {}, dataDir: extra.dataDir };
}
