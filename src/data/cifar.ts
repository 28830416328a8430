/**
 * CIFAR-10/100 "binary version": records of label byte(s) then a 32x32 image as three 1024-byte
 * planes (red, green, blue), row-major. CIFAR-10 has 1 label byte; CIFAR-100 has 2 (coarse,
 * fine), netgrow uses the fine label. Read from the downloaded `.tar.gz` or from the extracted
 * `.bin` files. See https://www.cs.toronto.edu/~kriz/cifar.html ("Binary version").
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { corrupt, gunzip, requirePin } from './integrity';
import { badLabel, RawDataset, RawSplit } from './raw';
import { CifarSource, DatasetEntry } from './registry';
import { readTar } from './tar';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const IMAGE = PLANE * 3;

/** Records to NHWC images and labels. */
export function parseCifarRecords(
  parts: Array<{ bytes: Uint8Array; path: string; records: number | null }>,
  labelBytes: 1 | 2,
  classes: number,
): RawSplit {
  const recordSize = labelBytes + IMAGE;
  for (const { bytes, path, records } of parts) {
    if (bytes.length === 0) throw corrupt(path, 'empty file; copy or extract it again');
    if (bytes.length % recordSize !== 0) {
      throw corrupt(
        path,
        `${bytes.length} bytes is not a whole number of ${recordSize}-byte CIFAR records (truncated?)`,
      );
    }
    if (records !== null && bytes.length / recordSize !== records) {
      throw corrupt(path, `${bytes.length / recordSize} records, expected ${records}`);
    }
  }
  const count = parts.reduce((n, p) => n + p.bytes.length / recordSize, 0);
  const images = new Uint8Array(count * IMAGE);
  const labels = new Int32Array(count);
  let i = 0;
  for (const { bytes, path } of parts) {
    const first = i;
    for (let r = 0; r < bytes.length; r += recordSize, i++) {
      labels[i] = bytes[r + labelBytes - 1];
      const out = i * IMAGE;
      const planes = r + labelBytes;
      for (let p = 0; p < PLANE; p++) {
        images[out + 3 * p] = bytes[planes + p];
        images[out + 3 * p + 1] = bytes[planes + PLANE + p];
        images[out + 3 * p + 2] = bytes[planes + 2 * PLANE + p];
      }
    }
    const bad = badLabel(labels.subarray(first, i), classes);
    if (bad) throw corrupt(path, bad);
  }
  return { images, labels, count };
}

export type CifarFiles =
  { kind: 'archive'; path: string } | { kind: 'bins'; train: string[]; test: string[] };

/** A CIFAR dataset from its archive or its extracted files; `verify: false` skips pins and record counts. */
export function readCifarDataset(
  entry: DatasetEntry,
  files: CifarFiles,
  where: string,
  verify: boolean,
): RawDataset {
  const source = entry.source as CifarSource;
  const classes = entry.classNames.length;
  const expect = (records: number): number | null => (verify ? records : null);
  if (files.kind === 'bins') {
    const read = (paths: string[], wanted: CifarSource['train']) =>
      parseCifarRecords(
        paths.map((path, k) => ({ bytes: readFileSync(path), path, records: expect(wanted[k].records) })),
        source.labelBytes,
        classes,
      );
    return {
      entry,
      train: read(files.train, source.train),
      test: read(files.test, source.test),
      where,
      verified: 'structure',
    };
  }
  const archive = readFileSync(files.path);
  if (verify) requirePin(archive, source.archive, files.path);
  const members = new Map<string, Uint8Array>();
  for (const [name, body] of readTar(gunzip(archive, files.path), files.path))
    members.set(basename(name), body);
  const take = (wanted: CifarSource['train']) =>
    parseCifarRecords(
      wanted.map(({ name, records }) => {
        const bytes = members.get(name);
        if (!bytes) {
          throw corrupt(
            files.path,
            `the archive has no ${name} (it holds ${[...members.keys()].sort().join(', ') || 'no files'})`,
          );
        }
        return { bytes, path: `${files.path}:${name}`, records: expect(records) };
      }),
      source.labelBytes,
      classes,
    );
  return {
    entry,
    train: take(source.train),
    test: take(source.test),
    where,
    verified: verify ? 'sha256' : 'structure',
  };
}
