/**
 * Finding a dataset's files: the first place (see places.ts) that holds a complete copy wins. A
 * dataset found nowhere is a `DatasetError('missing')` whose one line lists every place looked,
 * what was wanted there, and the one command that installs it.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CifarFiles } from './cifar';
import { DatasetError } from './errors';
import { IdxPaths } from './idx';
import { describePlaces, Place, PlaceOptions, placesFor } from './places';
import { DatasetEntry, IdxSource } from './registry';

export type Found =
  | { format: 'idx'; paths: IdxPaths }
  | { format: 'cifar'; files: CifarFiles }
  | { format: 'mat'; paths: { train: string; test: string } };

export interface Located {
  place: Place;
  found: Found;
}

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();

/** The dataset's files in one folder, or what is there and what is not. */
export function findIn(
  entry: DatasetEntry,
  dir: string,
): { found: Found | null; lack: string[]; partial: boolean } {
  const source = entry.source;
  switch (source.format) {
    case 'idx': {
      const keys = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
      const paths: Partial<IdxPaths> = {};
      const lack: string[] = [];
      for (const key of keys) {
        const path = idxNames(source[key].name)
          .map((n) => join(dir, n))
          .find(isFile);
        if (path) paths[key] = path;
        else lack.push(`${source[key].name}.gz`);
      }
      if (lack.length) return { found: null, lack, partial: lack.length < keys.length };
      return { found: { format: 'idx', paths: paths as IdxPaths }, lack, partial: false };
    }
    case 'cifar': {
      const archive = join(dir, source.archive.name);
      if (isFile(archive)) {
        return {
          found: { format: 'cifar', files: { kind: 'archive', path: archive } },
          lack: [],
          partial: false,
        };
      }
      let best: string[] = [];
      for (const folder of [join(dir, source.folder), dir]) {
        const train = source.train.map((f) => join(folder, f.name));
        const test = source.test.map((f) => join(folder, f.name));
        const lack = [...train, ...test].filter((p) => !isFile(p));
        if (lack.length === 0) {
          return { found: { format: 'cifar', files: { kind: 'bins', train, test } }, lack, partial: false };
        }
        if (lack.length < train.length + test.length) best = lack;
      }
      return { found: null, lack: best.length ? best : [source.archive.name], partial: best.length > 0 };
    }
    case 'mat': {
      const train = join(dir, source.train.name);
      const test = join(dir, source.test.name);
      const lack = [train, test].filter((p) => !isFile(p));
      if (lack.length) return { found: null, lack, partial: lack.length < 2 };
      return { found: { format: 'mat', paths: { train, test } }, lack, partial: false };
    }
    case 'synthetic':
      return { found: null, lack: [], partial: false };
  }
}

/** File names an IDX file goes by: gzip'd or not, and Kaggle's `train-images.idx3-ubyte`. */
const idxNames = (name: string): string[] => {
  const dotted = name.replace(/-(idx\d)-/, '.$1-');
  return [`${name}.gz`, name, `${dotted}.gz`, dotted];
};

export function tryLocate(entry: DatasetEntry, opts: PlaceOptions = {}): Located | null {
  for (const place of placesFor(entry, opts)) {
    const { found } = findIn(entry, place.dir);
    if (found) return { place, found };
  }
  return null;
}

export function locate(entry: DatasetEntry, opts: PlaceOptions = {}): Located {
  const located = tryLocate(entry, opts);
  if (located) return located;
  throw missingError(entry, opts);
}

export function missingError(entry: DatasetEntry, opts: PlaceOptions = {}): DatasetError {
  const places = placesFor(entry, opts);
  const partial = places
    .filter((p) => existsSync(p.dir))
    .map((p) => ({ dir: p.dir, ...findIn(entry, p.dir) }))
    .filter((p) => p.partial);
  const partialText = partial.map((p) => `; ${p.dir} lacks ${p.lack.join(', ')}`).join('');
  return new DatasetError(
    'missing',
    `dataset '${entry.name}' is not on this machine: looked in ${describePlaces(places, opts.env)} for ${wanted(entry)}${partialText}. Fix: ${entry.fix}`,
  );
}

function wanted(entry: DatasetEntry): string {
  const s = entry.source;
  switch (s.format) {
    case 'idx':
      return ([s.trainImages, s.trainLabels, s.testImages, s.testLabels] as IdxSource['trainImages'][])
        .map((f) => `${f.name}.gz`)
        .join(', ');
    case 'cifar':
      return `${s.archive.name} or ${s.folder}/{${[...s.train, ...s.test].map((f) => f.name).join(',')}}`;
    case 'mat':
      return `${s.train.name}, ${s.test.name}`;
    case 'synthetic':
      return 'nothing (generated)';
  }
}
