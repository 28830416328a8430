/**
 * From a registry entry to its raw bytes: generate the synthetic set, or find the files (see
 * locate.ts) and read them with the format's reader.
 */
import { readCifarDataset } from './cifar';
import { readIdxDataset } from './idx';
import { locate } from './locate';
import { PlaceOptions } from './places';
import { RawDataset } from './raw';
import { DatasetEntry } from './registry';
import { readSvhnDataset } from './svhn';
import { generateSynthetic } from './synthetic';

export interface ReadOptions extends PlaceOptions {
  /**
   * Check files against the registry's pinned sizes, digests and record counts (default true).
   * Off, only their structure is checked: for copies cut down on purpose, and for tests.
   */
  verify?: boolean;
}

export function readRawDataset(entry: DatasetEntry, opts: ReadOptions = {}): RawDataset {
  if (entry.source.format === 'synthetic') return generateSynthetic(entry);
  const { place, found } = locate(entry, opts);
  const verify = opts.verify !== false;
  switch (found.format) {
    case 'idx':
      return readIdxDataset(entry, found.paths, place.dir, verify);
    case 'cifar':
      return readCifarDataset(
        entry,
        found.files,
        found.files.kind === 'archive' ? found.files.path : place.dir,
        verify,
      );
    case 'mat':
      return readSvhnDataset(entry, found.paths, place.dir, verify);
  }
}
